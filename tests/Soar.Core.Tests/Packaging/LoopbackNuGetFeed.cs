using System.Net;
using System.Text;
using System.Text.Json;

namespace Soar.Core.Tests.Packaging;

/// <summary>
/// A NuGet v3 feed on 127.0.0.1 (service index, PackagePublish, flat container) for the HTTP push/restore tests:
/// no NuGet server is available from the registries here. It stores pushed packages in memory and requires an API key.
/// </summary>
public sealed class LoopbackNuGetFeed : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<(string Id, string Version), byte[]> _packages = new();
    private readonly Task _loop;
    public string ApiKey { get; }
    public string IndexUrl { get; }
    public List<string> Requests { get; } = new();

    public LoopbackNuGetFeed(string apiKey)
    {
        ApiKey = apiKey;
        var port = FreePort();
        var prefix = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(prefix);
        _listener.Start();
        IndexUrl = prefix + "v3/index.json";
        _loop = Task.Run(Serve);
    }

    private static int FreePort()
    {
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            try { Handle(context); }
            catch (Exception) { context.Response.StatusCode = 500; }
            finally { context.Response.Close(); }
        }
    }

    private void Handle(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath.ToLowerInvariant();
        lock (Requests) Requests.Add($"{request.HttpMethod} {path}");
        var root = $"http://127.0.0.1:{request.Url.Port}/v3/";
        if (request.HttpMethod == "GET" && path == "/v3/index.json")
            Write(context, JsonSerializer.Serialize(new
            {
                version = "3.0.0",
                resources = new object[]
                {
                    new Dictionary<string, string> { ["@id"] = root + "package", ["@type"] = "PackagePublish/2.0.0" },
                    new Dictionary<string, string> { ["@id"] = root + "flat/", ["@type"] = "PackageBaseAddress/3.0.0" },
                },
            }));
        else if (request.HttpMethod == "PUT" && path.StartsWith("/v3/package"))
            Push(context);
        else if (request.HttpMethod == "GET" && path.StartsWith("/v3/flat/") && path.EndsWith("/index.json"))
        {
            var id = path.Split('/')[3];
            string[] versions;
            lock (_packages) versions = _packages.Keys.Where(k => k.Id == id).Select(k => k.Version).ToArray();
            if (versions.Length == 0) context.Response.StatusCode = 404;
            else Write(context, JsonSerializer.Serialize(new { versions }));
        }
        else if (request.HttpMethod == "GET" && path.StartsWith("/v3/flat/") && path.EndsWith(".nupkg"))
        {
            var parts = path.Split('/');
            byte[]? bytes;
            lock (_packages) _packages.TryGetValue((parts[3], parts[4]), out bytes);
            if (bytes is null) context.Response.StatusCode = 404;
            else context.Response.OutputStream.Write(bytes);
        }
        else context.Response.StatusCode = 404;
    }

    private void Push(HttpListenerContext context)
    {
        // 403, as nuget.org answers a wrong key (a 401 makes the client retry for credentials).
        if (context.Request.Headers["X-NuGet-ApiKey"] != ApiKey) { context.Response.StatusCode = 403; return; }
        using var body = new MemoryStream();
        context.Request.InputStream.CopyTo(body);
        var nupkg = FilePart(body.ToArray(), context.Request.ContentType!);
        using var reader = new NuGet.Packaging.PackageArchiveReader(new MemoryStream(nupkg));
        var identity = reader.GetIdentity();
        lock (_packages) _packages[(identity.Id.ToLowerInvariant(), identity.Version.ToNormalizedString().ToLowerInvariant())] = nupkg;
        context.Response.StatusCode = 201;
    }

    /// <summary>The bytes of the single file part of a multipart/form-data body (what the NuGet client sends).</summary>
    private static byte[] FilePart(byte[] body, string contentType)
    {
        var boundary = "--" + contentType.Split("boundary=")[1].Trim('"');
        var start = IndexOf(body, Encoding.ASCII.GetBytes("\r\n\r\n"), IndexOf(body, Encoding.ASCII.GetBytes(boundary), 0)) + 4;
        var end = IndexOf(body, Encoding.ASCII.GetBytes("\r\n" + boundary), start);
        return body[start..end];
    }

    private static int IndexOf(byte[] data, byte[] pattern, int from) =>
        from + data.AsSpan(from).IndexOf(pattern);

    private static void Write(HttpListenerContext context, string json)
    {
        context.Response.ContentType = "application/json";
        context.Response.OutputStream.Write(Encoding.UTF8.GetBytes(json));
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
