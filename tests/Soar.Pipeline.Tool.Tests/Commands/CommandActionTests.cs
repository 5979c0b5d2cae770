using Soar.Pipeline.Tool.Commands;
using static TorchSharp.torch;

namespace Soar.Pipeline.Tool.Tests.Commands;

/// <summary>How a command's failure is reported: real libtorch failures, not look-alikes.</summary>
public sealed class CommandActionTests
{
    private static (int Exit, string Error) Run(Func<int> body)
    {
        var previous = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            return (CommandAction.Run(body, CancellationToken.None).GetAwaiter().GetResult(), error.ToString());
        }
        finally
        {
            Console.SetError(previous);
        }
    }

    [Fact]
    public void A_libtorch_allocation_failure_says_how_much_was_asked_for_and_where()
    {
        // 2^40 floats = 4.4 TB: more than any machine this runs on, refused at once by the allocator.
        var (exit, error) = Run(() =>
        {
            using var huge = empty([1L << 40], dtype: ScalarType.Float32);
            return 0;
        });

        Assert.Equal(1, exit);
        Assert.StartsWith("soar : error SOAR2011: out of memory: 4398046511104 bytes (4398.047 GB) could not be allocated in Soar.Pipeline.Tool.Tests.Commands.CommandActionTests.", error);
        Assert.DoesNotContain("failed to load", error);
    }

    [Fact]
    public void Any_other_libtorch_error_is_reported_as_such_not_as_a_load_failure()
    {
        var (exit, error) = Run(() =>
        {
            using var a = ones(2, 3);
            using var wrong = a.view(7);
            return 0;
        });

        Assert.Equal(1, exit);
        Assert.StartsWith("soar : error SOAR2012: libtorch reported an error in ", error);
        Assert.Contains("shape '[7]' is invalid for input of size 6", error);
    }

    [Fact]
    public void A_missing_native_library_is_a_load_failure()
    {
        var (exit, error) = Run(() => throw new DllNotFoundException("Unable to load shared library 'LibTorchSharp'"));

        Assert.Equal(1, exit);
        Assert.Contains("soar : error SOAR2010: the native libtorch library failed to load (Unable to load shared library 'LibTorchSharp')", error);
    }

    [Fact]
    public void A_managed_out_of_memory_is_an_allocation_failure()
    {
        var (exit, error) = Run(() => throw new OutOfMemoryException("Array dimensions exceeded supported range."));

        Assert.Equal(1, exit);
        Assert.StartsWith("soar : error SOAR2011: out of memory: managed memory could not be allocated", error);
    }
}
