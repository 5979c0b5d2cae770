using Soar.Core.Stages;

namespace Soar.Core.Tests.Stages;

public class PhaseTimesTests
{
    [Fact]
    public void Repeated_phases_add_up_and_the_description_lists_the_longest_first()
    {
        var phases = new PhaseTimes();
        phases.Add("sampling", 3.0);
        phases.Add("report", 1.0);
        phases.Add("sampling", 4.0);
        var other = new PhaseTimes();
        other.Add("report", 2.0);
        phases.AddAll(other);

        Assert.Equal(7.0, phases.Seconds["sampling"]);
        Assert.Equal(3.0, phases.Seconds["report"]);
        // 7 of 10 seconds is 70%, 3 of 10 is 30%.
        Assert.Equal("sampling 7.0 s (70%), report 3.0 s (30%)", phases.Describe());
    }

    [Fact]
    public void Time_records_a_phase_even_when_the_work_throws()
    {
        var phases = new PhaseTimes();
        Assert.Equal(5, phases.Time("work", () => 5));
        Assert.Throws<InvalidOperationException>(() => phases.Time("failing", () => throw new InvalidOperationException()));
        Assert.Equal(["failing", "work"], phases.Seconds.Keys);
    }
}
