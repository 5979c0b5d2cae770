using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Slurm;

public class SlurmJobScriptTests
{
    [Fact]
    public void The_script_empties_the_temp_folder_gives_auto_threads_the_jobs_CPUs_and_execs_the_worker_with_every_word_quoted()
    {
        var text = SlurmJobScript.Text("left", "sft", "/p/x.soarproj", "/out/left.tmp-1.2-ab", "/usr/bin/dotnet", ["/it's here/soar.dll", "stage", "run", "/out/.specs/left.json"], 4);
        var lines = text.Split('\n');
        Assert.Equal("#!/bin/bash", lines[0]);
        Assert.Contains("set -euo pipefail", lines);
        Assert.Contains("rm -rf -- '/out/left.tmp-1.2-ab'", lines);
        Assert.Contains("export SOAR_AUTO_THREADS=4", lines);
        Assert.Contains("exec '/usr/bin/dotnet' '/it'\\''s here/soar.dll' 'stage' 'run' '/out/.specs/left.json'", lines);
    }
}
