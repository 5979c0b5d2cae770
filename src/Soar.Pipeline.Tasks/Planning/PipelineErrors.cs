namespace Soar.Pipeline.Tasks;

/// <summary>The SOAR1xxx codes of the build side (README lists them).</summary>
public static class PipelineErrors
{
    public const string UnknownKind = "SOAR1001";
    public const string UnknownParameter = "SOAR1002";
    public const string BadValue = "SOAR1003";
    public const string MissingUpstream = "SOAR1004";
    public const string Cycle = "SOAR1005";
    public const string DuplicateStage = "SOAR1006";
    public const string MissingKind = "SOAR1007";
    public const string BadStageName = "SOAR1008";
    public const string UpstreamNotBuilt = "SOAR1010";
    public const string WorkerFailed = "SOAR1011";
    public const string WorkerOutputInvalid = "SOAR1012";
    public const string WorkerNotFound = "SOAR1013";
    public const string Cancelled = "SOAR1014";
    public const string NotReproduced = "SOAR1015";
    public const string UnknownOnlyStage = "SOAR1009";
    public const string BaseModel = "SOAR1016";
    public const string BlankValue = "SOAR1017";
    public const string UpstreamMismatch = "SOAR1018";
    /// <summary>SoarParallel below 1, or a SoarDevices entry that is not cuda:&lt;index&gt;.</summary>
    public const string BadParallelSetting = "SOAR1019";
}
