using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Slurm;

public class SlurmResourcesTests
{
    private static readonly SlurmResources.Defaults Project = new(Partition: "cpu", Cpus: "2", Memory: "8G", Time: "1:00:00", ExtraArguments: "--account=proj; --qos=high");

    private static SlurmResources? Resolve(SlurmResources.Defaults project, Dictionary<string, string> stage, int threads, List<string> errors) =>
        SlurmResources.Resolve(project, name => stage.GetValueOrDefault(name, ""), threads, errors);

    [Fact]
    public void A_stage_takes_the_project_defaults_and_overrides_what_it_names()
    {
        var errors = new List<string>();
        var own = Resolve(Project, new() { ["SlurmGpus"] = "a100:2", ["SlurmTime"] = "2-00:00", ["SlurmPartition"] = "gpu" }, 0, errors)!;
        Assert.Empty(errors);
        Assert.Equal(["--cpus-per-task=2", "--gres=gpu:a100:2", "--mem=8G", "--time=2-00:00", "--partition=gpu", "--account=proj", "--qos=high"], own.SbatchOptions());
        Assert.Equal("2 CPUs, gpu:a100:2, mem 8G, time 2-00:00, partition gpu", own.ToString());
    }

    [Fact]
    public void A_stage_with_Threads_asks_for_that_many_CPUs_unless_SlurmCpus_says_otherwise()
    {
        var errors = new List<string>();
        Assert.Equal(4, Resolve(Project, [], 4, errors)!.Cpus);
        Assert.Equal(3, Resolve(Project, new() { ["SlurmCpus"] = "3" }, 4, errors)!.Cpus);
        Assert.Equal(1, Resolve(new SlurmResources.Defaults(), [], 0, errors)!.Cpus);
        Assert.Empty(errors);
    }

    [Fact]
    public void No_resource_given_asks_only_for_one_CPU_and_zero_GPUs_asks_for_none()
    {
        var errors = new List<string>();
        Assert.Equal(["--cpus-per-task=1"], Resolve(new SlurmResources.Defaults(Gpus: "0"), [], 0, errors)!.SbatchOptions());
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("SlurmTime", "1h", "SlurmTime=\"1h\": give the time limit as sbatch --time takes it")]
    [InlineData("SlurmTime", "1-2-3", "SlurmTime=\"1-2-3\"")]
    [InlineData("SlurmMem", "16GB", "SlurmMem=\"16GB\": give the memory per node as sbatch --mem takes it")]
    [InlineData("SlurmCpus", "0", "SlurmCpus=\"0\": give the CPUs per job, a whole number of 1 or more")]
    [InlineData("SlurmCpus", "two", "SlurmCpus=\"two\"")]
    [InlineData("SlurmGpus", "-1", "SlurmGpus=\"-1\": give the GPUs per job as N or type:N")]
    [InlineData("SlurmPartition", "a b", "SlurmPartition=\"a b\": not a partition name")]
    public void A_malformed_stage_resource_is_named_with_its_value(string name, string value, string expected)
    {
        var errors = new List<string>();
        Assert.Null(Resolve(Project, new() { [name] = value }, 0, errors));
        Assert.Contains(expected, Assert.Single(errors));
    }

    [Theory]
    [InlineData("30")]
    [InlineData("30:00")]
    [InlineData("12:30:00")]
    [InlineData("1-12")]
    [InlineData("1-12:30")]
    [InlineData("1-12:30:00")]
    [InlineData("UNLIMITED")]
    public void Every_time_format_of_sbatch_is_accepted(string time)
    {
        var errors = new List<string>();
        Assert.Equal(time, Resolve(Project, new() { ["SlurmTime"] = time }, 0, errors)!.Time);
        Assert.Empty(errors);
    }

    [Fact]
    public void A_malformed_project_default_names_its_property_and_an_argument_that_is_no_option_is_refused()
    {
        var errors = new List<string>();
        Assert.Null(Resolve(new SlurmResources.Defaults(Memory: "lots", ExtraArguments: "--account=a;qos=high"), [], 0, errors));
        Assert.Equal(2, errors.Count);
        Assert.Contains("SoarSlurmMem=\"lots\"", errors[0]);
        Assert.Contains("SoarSlurmArguments: 'qos=high' is not an sbatch option", errors[1]);
    }
}
