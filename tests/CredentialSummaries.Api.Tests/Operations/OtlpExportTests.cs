using System.Collections.Concurrent;
using System.Net;
using System.Text;
using CredentialSummaries.Api.Tests.Fixtures;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CredentialSummaries.Api.Tests.Operations;

/// <summary>
/// Traces and metrics go over OTLP/HTTP to <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> when it is set, carrying the service
/// name and routes but neither tokens nor query strings; without it, no OpenTelemetry pipeline exists at all.
/// </summary>
public sealed class OtlpExportTests
{
    /// <summary>The database spans' <c>db.system</c>: the store the assembly runs on.</summary>
    private static readonly string DbSystem = TestStore.Provider == StoreProvider.Sqlite ? "sqlite" : "postgresql";

    // Generous for a loaded 2-core machine; a passing run takes well under a second of it.
    private static readonly TimeSpan ExportDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task With_an_otlp_endpoint_requests_are_exported_as_traces_and_metrics_without_tokens_or_query_strings()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var factory = new OtlpFactory(receiver.Endpoint, serviceName: null);
        var tenantId = Guid.NewGuid().ToString();
        var token = TokenMinter.Delegated(tenantId, GraphApi.ReadWrite);
        var queryMarker = "QueryMarker" + Guid.NewGuid().ToString("N");
        using var client = factory.ClientFor(token);

        factory.Services.GetService<TracerProvider>().Should().NotBeNull();
        var created = await client.CreateAsync();
        using (var response = await client.GetAsync($"{GraphApi.Summaries}?$filter=tenantDisplayName eq '{queryMarker}'"))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using (var response = await client.GetAsync($"{GraphApi.Summaries}/{created.Id()}"))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        // Within the export interval set below, before the host shuts down (which would flush anyway).
        const string route = "/v1.0/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries";
        var traces = await receiver.WaitForAsync("/v1/traces", ["CredentialSummaries", "GET " + route[1..], "POST " + route[1..], DbSystem], ExportDeadline);
        traces.Should().Contain(route).And.Contain("http.response.status_code");
        receiver.Received.SelectMany(e => e.ServiceNames).Distinct().Should().Equal(["CredentialSummaries"]);
        receiver.Received.Where(e => e.Path == "/v1/traces").Should().OnlyContain(e => e.ContentType == "application/x-protobuf");
        await receiver.WaitForAsync("/v1/metrics", ["http.server.request.duration", "CredentialSummaries"], ExportDeadline);

        foreach (var export in receiver.Received)
        {
            export.Text.Should().NotContain(token).And.NotContain(token.Split('.')[^1]).And.NotContain(queryMarker)
                .And.NotContain("$filter", "the query string is never exported, not even with its values redacted");
        }
    }

    [Fact]
    public async Task Otel_service_name_renames_the_exported_service()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var factory = new OtlpFactory(receiver.Endpoint, serviceName: "summaries-eu-west");
        using var client = factory.ClientFor(TokenMinter.Delegated(Guid.NewGuid().ToString(), GraphApi.Read));
        using var response = await client.GetAsync(GraphApi.Summaries);
        response.StatusCode.Should().Be(HttpStatusCode.OK);

        await receiver.WaitForAsync("/v1/traces", ["summaries-eu-west"], ExportDeadline);
        receiver.Received.SelectMany(e => e.ServiceNames).Distinct().Should().Equal(["summaries-eu-west"], "the configured name replaces the default");
    }

    [Fact]
    public void Without_an_otlp_endpoint_no_telemetry_pipeline_is_registered()
    {
        using var factory = new OtlpFactory(endpoint: "", serviceName: null);
        _ = factory.Server; // builds and starts the host

        factory.Services.GetService<TracerProvider>().Should().BeNull("no exporter means no tracing pipeline to pay for");
        factory.Services.GetService<MeterProvider>().Should().BeNull();
    }

    private sealed class OtlpFactory(string endpoint, string? serviceName) : SummariesApiFactory
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // The EF Core spans come from EF's diagnostic events, which a pooled context may skip for a second.
            builder.ConfigureServices(SqlCapturingFactory.WithoutEfLoggingCache);
        }

        protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
        [
            .. base.Settings(),
            new("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
            new("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            new("OTEL_SERVICE_NAME", serviceName ?? ""),
            // Short intervals so that exports happen while the test waits, not only at shutdown.
            new("OTEL_BSP_SCHEDULE_DELAY", "100"),
            new("OTEL_METRIC_EXPORT_INTERVAL", "250"),
            // Activity listeners are process-wide: this host's tracer also sees the spans of every other test host
            // running in parallel (thousands, for the paging tests). A queue that holds them all keeps ours from
            // being dropped when the default 2048-span queue overflows.
            new("OTEL_BSP_MAX_QUEUE_SIZE", "262144"),
            new("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4096"),
        ];
    }

    /// <summary>
    /// A minimal OTLP/HTTP receiver on a loopback port: accepts POST /v1/traces, /v1/metrics and /v1/logs, answers an
    /// empty (valid) protobuf response and keeps each body. An HttpListener rather than Kestrel, so that its own
    /// requests are not traced by the app's ASP.NET Core instrumentation and exported back to it.
    /// </summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly HttpListener listener;
        private readonly Task loop;

        private OtlpReceiver(HttpListener listener, string endpoint)
        {
            this.listener = listener;
            Endpoint = endpoint;
            loop = Task.Run(ReceiveAsync);
        }

        public ConcurrentQueue<OtlpExport> Received { get; } = new();

        public string Endpoint { get; }

        public static Task<OtlpReceiver> StartAsync()
        {
            for (var attempt = 0; ; attempt++)
            {
                // A free loopback port; another process may take it before the listener does, hence the retries.
                var probe = new TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                var port = ((IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                var endpoint = $"http://127.0.0.1:{port}/";
                var listener = new HttpListener();
                listener.Prefixes.Add(endpoint);
                try
                {
                    listener.Start();
                    return Task.FromResult(new OtlpReceiver(listener, endpoint.TrimEnd('/')));
                }
                catch (HttpListenerException) when (attempt < 5)
                {
                    listener.Close();
                }
            }
        }

        private async Task ReceiveAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                try
                {
                    using var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body);
                    var path = context.Request.Url!.AbsolutePath;
                    var accepted = context.Request.HttpMethod == "POST" && path is "/v1/traces" or "/v1/metrics" or "/v1/logs";
                    if (accepted)
                    {
                        Received.Enqueue(new OtlpExport(path, context.Request.ContentType, body.ToArray()));
                    }

                    context.Response.StatusCode = accepted ? 200 : 404;
                    context.Response.ContentType = "application/x-protobuf";
                    context.Response.Close();
                }
                catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
                {
                    // Disposed while an export was arriving (the exporter flushes as the app stops): nothing more to answer.
                    return;
                }
            }
        }

        /// <summary>Waits, at most <paramref name="deadline"/>, until the exports to <paramref name="path"/> together contain every one of <paramref name="markers"/>.</summary>
        public async Task<string> WaitForAsync(string path, string[] markers, TimeSpan deadline)
        {
            var until = DateTime.UtcNow + deadline;
            while (true)
            {
                var text = string.Concat(Received.Where(e => e.Path == path).Select(e => e.Text));
                var missing = markers.Where(m => !text.Contains(m, StringComparison.Ordinal)).ToArray();
                if (missing.Length == 0)
                {
                    return text;
                }

                if (DateTime.UtcNow >= until)
                {
                    throw new TimeoutException(
                        $"The exports to {path} still lacked {string.Join(", ", missing.Select(m => $"'{m}'"))} after {deadline.TotalSeconds} s; " +
                        $"received: {string.Join(", ", Received.Select(e => $"{e.Path} ({e.Body.Length} bytes)"))}");
                }

                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync()
        {
            listener.Stop();
            listener.Close();
            await loop;
        }
    }

    /// <summary>One OTLP request; <see cref="Text"/> reads the protobuf as UTF-8, enough to find the strings it holds.</summary>
    private sealed record OtlpExport(string Path, string? ContentType, byte[] Body)
    {
        private static readonly byte[] ServiceNameKey = Encoding.UTF8.GetBytes("service.name");

        public string Text { get; } = Encoding.UTF8.GetString(Body);

        /// <summary>
        /// The values of the resource attribute <c>service.name</c>: each KeyValue is the key (field 1), then field 2,
        /// an AnyValue whose field 1 is the string.
        /// </summary>
        public IEnumerable<string> ServiceNames
        {
            get
            {
                var body = Body.AsSpan();
                var names = new List<string>();
                for (var at = body.IndexOf(ServiceNameKey); at >= 0;)
                {
                    var i = at + ServiceNameKey.Length;
                    if (body[i++] == 0x12)
                    {
                        _ = Varint(body, ref i);
                        if (body[i++] == 0x0A)
                        {
                            var length = Varint(body, ref i);
                            names.Add(Encoding.UTF8.GetString(body.Slice(i, length)));
                        }
                    }

                    var next = body[(at + 1)..].IndexOf(ServiceNameKey);
                    at = next < 0 ? -1 : at + 1 + next;
                }

                return names;
            }
        }

        private static int Varint(ReadOnlySpan<byte> body, ref int i)
        {
            var value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = body[i++];
                value |= (b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
        }
    }
}
