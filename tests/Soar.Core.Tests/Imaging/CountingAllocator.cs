using System.Buffers;
using System.Runtime.CompilerServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Memory;

namespace Soar.Core.Tests.Imaging;

/// <summary>An ImageSharp allocator that counts the bytes asked of it, installed as the default while it lives.</summary>
internal sealed class CountingAllocator : MemoryAllocator, IDisposable
{
    private readonly MemoryAllocator _inner = new SimpleGcMemoryAllocator();
    private readonly MemoryAllocator _previous;
    private long _bytes;

    public CountingAllocator()
    {
        _previous = Configuration.Default.MemoryAllocator;
        Configuration.Default.MemoryAllocator = this;
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    protected override int GetBufferCapacityInBytes() => int.MaxValue;

    public override IMemoryOwner<T> Allocate<T>(int length, AllocationOptions options = AllocationOptions.None)
    {
        Interlocked.Add(ref _bytes, (long)length * Unsafe.SizeOf<T>());
        return _inner.Allocate<T>(length, options);
    }

    public void Dispose() => Configuration.Default.MemoryAllocator = _previous;
}
