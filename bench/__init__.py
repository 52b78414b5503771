"""The benchmark: a synthetic diary generator (`bench.diary`) and the measurements (`bench.run`)."""
