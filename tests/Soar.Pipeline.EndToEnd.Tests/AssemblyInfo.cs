// Every test runs `dotnet build` against the same tasks and tool projects; parallel builds would race on them.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
