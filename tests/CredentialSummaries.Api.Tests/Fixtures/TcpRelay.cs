using System.Net;
using System.Net.Sockets;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// A loopback TCP relay to <c>127.0.0.1:{target}</c> that a test can cut and restore, as a network outage between
/// the app and its database server would: <see cref="Cut"/> closes the listening port (new connections are refused)
/// and resets every open connection; <see cref="Restore"/> listens on the same port again.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private readonly int target;
    private readonly Lock gate = new();
    private readonly HashSet<Socket> open = [];
    private TcpListener? listener;
    private CancellationTokenSource? running;

    public TcpRelay(int target)
    {
        this.target = target;
        Port = ApiProcess.FreeLoopbackPort();
        Restore();
    }

    /// <summary>The port to connect to instead of the target's.</summary>
    public int Port { get; }

    /// <summary>Refuses new connections and resets the open ones (RST, not a polite FIN).</summary>
    public void Cut()
    {
        lock (gate)
        {
            running?.Cancel();
            running?.Dispose();
            running = null;
            listener?.Stop();
            listener = null;
            foreach (var socket in open)
            {
                Reset(socket);
            }

            open.Clear();
        }
    }

    /// <summary>Listens on <see cref="Port"/> again; does nothing when already listening.</summary>
    public void Restore()
    {
        lock (gate)
        {
            if (listener is not null)
            {
                return;
            }

            listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            running = new CancellationTokenSource();
            _ = AcceptAsync(listener, running.Token);
        }
    }

    public void Dispose() => Cut();

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
            // Already closed by its pipe.
        }
    }

    private async Task AcceptAsync(TcpListener server, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            Socket inbound;
            try
            {
                inbound = await server.AcceptSocketAsync(cancellation);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = PipeAsync(inbound, cancellation);
        }
    }

    private async Task PipeAsync(Socket inbound, CancellationToken cancellation)
    {
        var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        lock (gate)
        {
            if (cancellation.IsCancellationRequested)
            {
                Reset(inbound);
                outbound.Dispose();
                return;
            }

            open.Add(inbound);
            open.Add(outbound);
        }

        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, target, cancellation);
            using var fromClient = new NetworkStream(inbound, ownsSocket: false);
            using var fromServer = new NetworkStream(outbound, ownsSocket: false);
            await Task.WhenAny(fromClient.CopyToAsync(fromServer, cancellation), fromServer.CopyToAsync(fromClient, cancellation));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // The relay was cut, or one side went away.
        }
        finally
        {
            lock (gate)
            {
                open.Remove(inbound);
                open.Remove(outbound);
            }

            inbound.Dispose();
            outbound.Dispose();
        }
    }
}
