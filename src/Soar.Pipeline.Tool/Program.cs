using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Soar.Pipeline.Tool;

// The host supplies logging, configuration (environment variables with the SOAR_ prefix) and Ctrl+C handling:
// SIGINT/SIGTERM stop the host, which cancels the running command's token.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    DisableDefaults = true,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Configuration.AddEnvironmentVariables("SOAR_");
builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
// Stdout carries stage progress for the build log; diagnostics go to stderr.
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

using var host = builder.Build();
await host.StartAsync();
var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
var root = SoarCommandLine.Create(host.Services);
// The host owns Ctrl+C; System.CommandLine's own handler would race it.
var exitCode = await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stopping);
await host.StopAsync(CancellationToken.None);
return exitCode;
