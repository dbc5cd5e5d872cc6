using CredentialSummaries.Api.Tests.Fixtures;
using Npgsql;

namespace CredentialSummaries.Api.Tests.TestInfrastructure;

/// <summary>The relay the readiness tests cut between the app and PostgreSQL behaves like a network outage and its end.</summary>
public sealed class TcpRelayTests
{
    [Fact]
    public async Task A_cut_relay_resets_open_connections_and_refuses_new_ones_and_a_restored_one_serves_on_the_same_port()
    {
        var server = PostgreSqlServer.Instance;
        using var relay = new TcpRelay(server.Port);
        var through = new NpgsqlConnectionStringBuilder(server.ConnectionString("postgres")) { Port = relay.Port, Pooling = false, Timeout = 5 }.ConnectionString;

        await using (var open = new NpgsqlConnection(through))
        {
            await open.OpenAsync();
            await using (var command = new NpgsqlCommand("SELECT 41 + 1", open))
            {
                (await command.ExecuteScalarAsync()).Should().Be(42);
            }

            relay.Cut();

            await using var after = new NpgsqlCommand("SELECT 1", open);
            await after.Invoking(c => c.ExecuteScalarAsync()).Should().ThrowAsync<NpgsqlException>("the open connection was reset");
        }

        await using (var refused = new NpgsqlConnection(through))
        {
            var refusal = await refused.Invoking(c => c.OpenAsync()).Should().ThrowAsync<NpgsqlException>("nothing listens on the port");
            refusal.Which.InnerException.Should().BeOfType<System.Net.Sockets.SocketException>()
                .Which.SocketErrorCode.Should().Be(System.Net.Sockets.SocketError.ConnectionRefused);
        }

        relay.Restore();

        await using var again = new NpgsqlConnection(through);
        await again.OpenAsync();
        await using var check = new NpgsqlCommand("SELECT inet_server_port()", again);
        (await check.ExecuteScalarAsync()).Should().Be(server.Port, "the same server, reached through the same relay port");
    }
}
