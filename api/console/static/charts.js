// Draws each chart of a console page from the description beside its canvas: the JSON that
// nba/charts.py's LineChart / BarChart `for_browser()` give (title, axis labels, named series,
// bands, error bars, a reference line). Chart.js (vendor/chart.umd.min.js) does the drawing.
(function () {
  "use strict";

  // matplotlib's colours, so the console and the HTML reports colour series alike.
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf"];
  var REFERENCE_COLOUR = { line: "#b3261e", bar: "#59636e" };
  var DAY_MS = 86400000;

  function dayNumber(iso) { return Date.parse(iso + "T00:00:00Z") / DAY_MS; }

  function dayLabel(day) {
    return new Date(Math.round(day) * DAY_MS).toLocaleDateString("en", {
      month: "short", day: "numeric", timeZone: "UTC",
    });
  }

  function faded(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function points(xs, ys) {
    return xs.map(function (x, i) { return { x: x, y: ys[i] }; });
  }

  // Error bars ([low, high] per bar) and the reference line, drawn over the datasets.
  var overlays = {
    id: "nbaOverlays",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var y = chart.scales.y;
      chart.data.datasets.forEach(function (dataset, i) {
        if (!dataset.errorBars || !chart.isDatasetVisible(i)) { return; }
        chart.getDatasetMeta(i).data.forEach(function (bar, j) {
          var bounds = dataset.errorBars[j];
          if (!bounds || bounds[0] === null || bounds[1] === null) { return; }
          var top = y.getPixelForValue(bounds[1]);
          var bottom = y.getPixelForValue(bounds[0]);
          ctx.save();
          ctx.strokeStyle = "#24292f";
          ctx.lineWidth = 1.2;
          ctx.beginPath();
          ctx.moveTo(bar.x, top); ctx.lineTo(bar.x, bottom);
          ctx.moveTo(bar.x - 4, top); ctx.lineTo(bar.x + 4, top);
          ctx.moveTo(bar.x - 4, bottom); ctx.lineTo(bar.x + 4, bottom);
          ctx.stroke();
          ctx.restore();
        });
      });
      var reference = chart.options.plugins.nbaOverlays.reference;
      if (reference) {
        var level = y.getPixelForValue(reference.y);
        var area = chart.chartArea;
        ctx.save();
        ctx.strokeStyle = reference.colour;
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 1.2;
        ctx.beginPath();
        ctx.moveTo(area.left, level); ctx.lineTo(area.right, level);
        ctx.stroke();
        ctx.restore();
      }
    },
  };

  function lineDatasets(spec) {
    var datasets = [];
    spec.series.forEach(function (series, i) {
      var colour = PALETTE[i % PALETTE.length];
      var xs = spec.dated ? series.x.map(dayNumber) : series.x;
      if (series.band) {
        datasets.push({ label: series.name + " (95% low)", data: points(xs, series.band[0]),
          borderWidth: 0, pointRadius: 0, fill: false, isBand: true });
        datasets.push({ label: series.name + " (95% high)", data: points(xs, series.band[1]),
          borderWidth: 0, pointRadius: 0, fill: "-1", backgroundColor: faded(colour, 0.18),
          isBand: true });
      }
      datasets.push({ label: series.name, data: points(xs, series.y), borderColor: colour,
        backgroundColor: colour, pointRadius: 2.5, borderWidth: 1.6, spanGaps: false });
    });
    return datasets;
  }

  function xRange(spec) {
    var all = [];
    spec.series.forEach(function (series) {
      all = all.concat(spec.dated ? series.x.map(dayNumber) : series.x);
    });
    if (!all.length) { return {}; }
    var first = Math.min.apply(null, all);
    var last = Math.max.apply(null, all);
    var pad = first === last ? 3 : 0.5;  // a lone day gets a week around it
    return { min: first - pad, max: last + pad };
  }

  function lineScales(spec) {
    var range = xRange(spec);
    var x = { type: "linear", min: range.min, max: range.max,
      title: { display: true, text: spec.x_label } };
    if (spec.dated) {
      var span = range.max - range.min;
      x.ticks = { stepSize: Math.max(1, Math.ceil(span / 8)), callback: dayLabel };
    }
    var y = { title: { display: true, text: spec.y_label } };
    if (spec.y_limits) { y.min = spec.y_limits[0]; y.max = spec.y_limits[1]; }
    return { x: x, y: y };
  }

  function barDatasets(spec) {
    return spec.series.map(function (series, i) {
      var colour = PALETTE[i % PALETTE.length];
      var errors = series.errors;
      return { label: series.name, data: series.y, backgroundColor: colour,
        errorBars: errors ? series.y.map(function (_, j) {
          return [errors[0][j], errors[1][j]];
        }) : null };
    });
  }

  function lowestError(spec) {
    var lowest = Infinity;
    if (spec.kind !== "bar") { return lowest; }
    spec.series.forEach(function (series) {
      if (!series.errors) { return; }
      series.errors[0].forEach(function (v) { if (v !== null) { lowest = Math.min(lowest, v); } });
    });
    return lowest;
  }

  function highestError(spec) {
    var highest = -Infinity;
    if (spec.kind !== "bar") { return highest; }
    spec.series.forEach(function (series) {
      if (!series.errors) { return; }
      series.errors[1].forEach(function (v) { if (v !== null) { highest = Math.max(highest, v); } });
    });
    return highest;
  }

  function config(spec) {
    var isLine = spec.kind === "line";
    var datasets = isLine ? lineDatasets(spec) : barDatasets(spec);
    var reference = spec.reference;
    if (reference) {  // a legend entry; the line itself is drawn across the plot by the overlay
      datasets.push({ type: "line", label: reference.name, data: [], borderDash: [6, 4],
        borderColor: REFERENCE_COLOUR[spec.kind], backgroundColor: "rgba(0,0,0,0)",
        borderWidth: 1.2 });
    }
    var scales = isLine ? lineScales(spec) : {
      x: { stacked: spec.stacked, title: { display: true, text: spec.x_label } },
      y: { stacked: spec.stacked, beginAtZero: true, title: { display: true, text: spec.y_label } },
    };
    var highest = highestError(spec);
    if (reference) { highest = Math.max(highest, reference.y * 1.05); }
    if (highest > -Infinity) {  // keep error bars and the reference line inside the plot
      scales.y.suggestedMax = highest;
    }
    var lowest = lowestError(spec);  // a negative bar's error bar reaches below the bars
    if (reference) { lowest = Math.min(lowest, 0, reference.y); }
    if (lowest < Infinity) { scales.y.suggestedMin = lowest; }
    return {
      type: isLine ? "line" : "bar",
      data: isLine ? { datasets: datasets } : { labels: spec.categories, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: 7.5 / 3.2,
        parsing: isLine ? false : undefined,
        scales: scales,
        plugins: {
          title: { display: true, text: spec.title, font: { size: 14, weight: "normal" } },
          legend: {
            display: spec.series.length > 1 || Boolean(reference),
            position: spec.legend_outside ? "right" : "top",
            labels: { filter: function (item, data) {
              return !data.datasets[item.datasetIndex].isBand;
            } },
          },
          tooltip: isLine && spec.dated ? { callbacks: {
            title: function (items) { return items.length ? dayLabel(items[0].parsed.x) : ""; },
          } } : {},
          nbaOverlays: { reference: reference ? { y: reference.y,
            colour: REFERENCE_COLOUR[spec.kind] } : null },
        },
      },
      plugins: [overlays],
    };
  }

  function drawAll() {
    var drawn = 0;
    document.querySelectorAll("script.chart-spec").forEach(function (node) {
      var canvas = node.parentNode.querySelector("canvas");
      new window.Chart(canvas, config(JSON.parse(node.textContent)));
      drawn += 1;
    });
    // How many charts, and when they were done (ms since the navigation started): the
    // browser tests wait for the first, benchmarks/console_pages.py reads the second.
    document.documentElement.setAttribute("data-charts-at", String(Math.round(performance.now())));
    document.documentElement.setAttribute("data-charts-drawn", String(drawn));
  }

  drawAll();
})();
