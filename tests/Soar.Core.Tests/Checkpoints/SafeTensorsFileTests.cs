using System.Buffers.Binary;
using System.Text;
using Soar.Core.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Checkpoints;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("soar-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RoundTripsEveryDTypeBitwiseWithMetadata()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(seed: 7);
        var source = new Dictionary<string, Tensor>
        {
            ["f32"] = randn([3, 4], generator: g),
            ["f64"] = randn([2, 3], dtype: ScalarType.Float64, generator: g),
            ["f16"] = randn([5], generator: g).to(ScalarType.Float16),
            ["bf16"] = randn([2, 2, 2], generator: g).to(ScalarType.BFloat16),
            ["i64"] = (randn([4], generator: g) * 1e6).to(ScalarType.Int64),
            ["i32"] = (randn([4], generator: g) * 1e5).to(ScalarType.Int32),
            ["i16"] = (randn([4], generator: g) * 1e3).to(ScalarType.Int16),
            ["i8"] = (randn([4], generator: g) * 50).to(ScalarType.Int8),
            ["u8"] = (rand([6], generator: g) * 255).to(ScalarType.Byte),
            ["bool"] = randn([7], generator: g) > 0,
            ["scalar"] = tensor(3.5f),
            ["empty"] = zeros([0, 3]),
            ["transposed"] = randn([3, 2], generator: g).t(),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"\n" };
        var path = Path.Combine(_dir, "all.safetensors");

        SafeTensorsFile.Save(path, source, metadata);
        var (loaded, loadedMetadata) = SafeTensorsFile.Load(path);

        Assert.Equal(metadata, loadedMetadata);
        Assert.Equal(source.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, expected) in source)
        {
            var actual = loaded[name];
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.Equal(DeviceType.CPU, actual.device_type);
            Assert.True(expected.contiguous().bytes.SequenceEqual(actual.bytes), $"bytes differ for {name}");
        }
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
    }

    [Fact]
    public void WritesTheReferenceBytesForOneTensor()
    {
        // Byte-for-byte output of the reference writer's own serialization tests (safetensors/src/tensor.rs).
        using var scope = NewDisposeScope();
        var data = arange(6, dtype: ScalarType.Float32);
        var expectedValues = new byte[24];
        for (var i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(expectedValues.AsSpan(i * 4), i);

        var a = Path.Combine(_dir, "a.safetensors");
        SafeTensorsFile.Save(a, new Dictionary<string, Tensor> { ["attn.0"] = data.reshape(1, 2, 3) }, null);
        Assert.Equal(
            [.. LengthPrefix(64), .. Encoding.ASCII.GetBytes("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}"), .. expectedValues],
            File.ReadAllBytes(a));

        var b = Path.Combine(_dir, "b.safetensors");
        SafeTensorsFile.Save(b, new Dictionary<string, Tensor> { ["attn0"] = data.reshape(1, 1, 2, 3) }, null);
        Assert.Equal(
            [.. LengthPrefix(72), .. Encoding.ASCII.GetBytes("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       "), .. expectedValues],
            File.ReadAllBytes(b));
    }

    [Fact]
    public void OrdersEntriesByDescendingDTypeAlignmentThenNameAndPadsWithSpaces()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_dir, "order.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, Tensor>
        {
            ["b"] = ones(1, dtype: ScalarType.Bool),
            ["z"] = ones(1, dtype: ScalarType.Float32),
            ["a"] = ones(1, dtype: ScalarType.Float32),
            ["h"] = ones(1, dtype: ScalarType.Float16),
            ["bf"] = ones(1, dtype: ScalarType.BFloat16),
            ["l"] = ones(1, dtype: ScalarType.Int64),
            ["d"] = ones(1, dtype: ScalarType.Float64),
            ["u"] = ones(1, dtype: ScalarType.Byte),
        }, new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" });

        var bytes = File.ReadAllBytes(path);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, n);
        Assert.Equal(
            "{\"__metadata__\":{\"a\":\"2\",\"z\":\"1\"}," +
            "\"l\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}," +
            "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]}," +
            "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}," +
            "\"z\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[20,24]}," +
            "\"bf\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[24,26]}," +
            "\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[26,28]}," +
            "\"u\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[28,29]}," +
            "\"b\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[29,30]}}",
            header.TrimEnd(' '));
        Assert.Equal(8 + n + 30, bytes.Length);
    }

    [Fact]
    public void ReadsAFileBuiltByHandFromRawBytes()
    {
        // Built without the writer: entries listed out of data order, metadata last, data in little-endian bytes.
        var json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[8,24]}," +
                   "\"idx\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}," +
                   "\"half\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[24,28]}," +
                   "\"__metadata__\":{\"format\":\"pt\",\"step\":\"12\"}}";
        var data = new byte[28];
        BinaryPrimitives.WriteInt64LittleEndian(data, -42);
        float[] w = [1.5f, -2.25f, 3e-8f, float.MaxValue];
        for (var i = 0; i < 4; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(8 + i * 4), w[i]);
        BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(24), (Half)0.5f);
        BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(26), (Half)(-65504f));
        var path = WriteRaw("hand.safetensors", json, data);

        var header = SafeTensorsFile.ReadHeader(path);
        Assert.Equal(["idx", "w", "half"], header.Entries.Select(e => e.Name));
        Assert.Equal(28, header.DataLength);

        var (tensors, metadata) = SafeTensorsFile.Load(path);
        using var scope = NewDisposeScope();
        foreach (var t in tensors.Values) t.MoveToOuterDisposeScope();
        Assert.Equal("12", metadata["step"]);
        Assert.Equal(-42L, tensors["idx"][0].item<long>());
        Assert.Equal(new long[] { 2, 2 }, tensors["w"].shape);
        Assert.Equal(w, tensors["w"].flatten().data<float>().ToArray());
        Assert.Equal(ScalarType.Float16, tensors["half"].dtype);
        Assert.Equal([0.5f, -65504f], tensors["half"].to(ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void SaveReplacesAnExistingFileAndRejectsUnsupportedDTypes()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_dir, "x.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, Tensor> { ["a"] = ones(100) }, null);
        SafeTensorsFile.Save(path, new Dictionary<string, Tensor> { ["b"] = ones(1) }, null);
        Assert.Equal(["b"], SafeTensorsFile.ReadHeader(path).Entries.Select(e => e.Name));

        var e = Assert.Throws<ArgumentException>(() =>
            SafeTensorsFile.Save(path, new Dictionary<string, Tensor> { ["c"] = ones(1, dtype: ScalarType.ComplexFloat64) }, null));
        Assert.Contains("'c'", e.Message);
        Assert.Equal(["b"], SafeTensorsFile.ReadHeader(path).Entries.Select(e => e.Name));
    }

    [Theory]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "not valid JSON")]
    [InlineData("[1,2]", 0, "expected an object")]
    [InlineData("{\"t\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "'t' has unknown dtype 'F33'")]
    [InlineData("{\"t\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "'t' has dtype U16, which TorchSharp cannot hold")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "'t' (F32 [3]) needs 12 bytes")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "'t' has 'shape' entry -2")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "'t' has 1 'data_offsets' values")]
    [InlineData("{\"t\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "'t' has no string 'dtype'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "'b' data [4, 12) overlaps tensor 'a'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 16, "leaving a gap after tensor 'a'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "'a' data starts at 4; the first tensor must start at 0")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "'a' data ends at 16, past the 8 data bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "4 data bytes after the last tensor")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "names 'a' twice")]
    [InlineData("{\"__metadata__\":{\"epoch\":3},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "metadata key 'epoch' holds a JSON Number")]
    [InlineData("{\"__metadata__\":[\"x\"]}", 0, "'__metadata__' is a JSON Array")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4, "'a' has shape [4611686018427387904,4], whose byte size overflows")]
    public void RejectsInvalidHeadersNamingFileAndTensor(string json, int dataBytes, string expected)
    {
        var path = WriteRaw("bad.safetensors", json, new byte[dataBytes]);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadHeader(path));
    }

    [Fact]
    public void RejectsBadHeaderLengthsAndMissingFiles()
    {
        var tooLong = Path.Combine(_dir, "long.safetensors");
        File.WriteAllBytes(tooLong, [.. LengthPrefix(1000), .. "{}"u8]);
        Assert.Contains("larger than the 2 bytes", Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Load(tooLong)).Message);

        var huge = Path.Combine(_dir, "huge.safetensors");
        File.WriteAllBytes(huge, [.. LengthPrefix(200_000_000), .. "{}"u8]);
        Assert.Contains("over the 100000000-byte limit", Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Load(huge)).Message);

        var tiny = Path.Combine(_dir, "tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        Assert.Contains("shorter than the 8-byte", Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadHeader(tiny)).Message);

        var badUtf8 = Path.Combine(_dir, "utf8.safetensors");
        File.WriteAllBytes(badUtf8, [.. LengthPrefix(8), (byte)'{', (byte)'"', 0xff, (byte)'"', (byte)':', (byte)'1', (byte)'}', (byte)' ']);
        Assert.Contains("not valid UTF-8", Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Load(badUtf8)).Message);

        var missing = Path.Combine(_dir, "nope.safetensors");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => SafeTensorsFile.Load(missing)).Message);
    }

    private string WriteRaw(string name, string json, byte[] data)
    {
        var path = Path.Combine(_dir, name);
        var header = Encoding.UTF8.GetBytes(json);
        File.WriteAllBytes(path, [.. LengthPrefix(header.Length), .. header, .. data]);
        return path;
    }

    private static byte[] LengthPrefix(long n)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)n);
        return bytes;
    }
}
