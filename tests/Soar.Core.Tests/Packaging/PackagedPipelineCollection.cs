namespace Soar.Core.Tests.Packaging;

/// <summary>Shares one trained <see cref="PackagedPipeline"/> between the packaging test classes (training it is the slow part).</summary>
[CollectionDefinition(Name)]
public sealed class PackagedPipelineCollection : ICollectionFixture<PackagedPipeline>
{
    public const string Name = "packaged pipeline";
}
