using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Worker;

public class WorkerLineTests
{
    [Fact]
    public void Canonical_error_and_warning_lines_are_parsed()
    {
        Assert.Equal(new WorkerLine(true, "SOAR2003", "upstream 'data' has no output"), WorkerLine.TryParse("soar : error SOAR2003: upstream 'data' has no output"));
        Assert.Equal(new WorkerLine(false, "SOAR2101", "[sft] loss is NaN: x"), WorkerLine.TryParse("soar : warning SOAR2101: [sft] loss is NaN: x"));
    }

    [Theory]
    [InlineData("[sft] step 40/200 loss=0.1234 eta=00:01:12")]
    [InlineData("info: the error rate: 3")]
    [InlineData("")]
    public void Progress_and_plain_lines_are_not_diagnostics(string line) => Assert.Null(WorkerLine.TryParse(line));
}
