// libtorch already uses every core inside one test; running test classes side by side oversubscribes the CPU
// (OpenMP threads spin) and makes the suite several times slower, so classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
