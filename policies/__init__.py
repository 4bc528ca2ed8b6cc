"""Policies behind one interface: Vowpal Wabbit, numpy linear bandits, baselines."""
