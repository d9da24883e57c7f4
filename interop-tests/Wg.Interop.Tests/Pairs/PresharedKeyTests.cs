// Preshared keys (Noise_IKpsk2's psk): equal keys give a session, unequal or one-sided ones give none.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Pairs;

public sealed class PresharedKeyTests
{
    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.PairData), MemberType = typeof(Implementations))]
    public async Task MatchingPresharedKeysHandshake(Implementation a, Implementation b)
    {
        using var pair = await TunnelPair.CreateAsync(a, b, new TunnelOptions { PresharedKeys = PresharedKeyMode.Same });
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false);
        await pair.ExpectPingAsync(pair.B, pair.A, v6: true);

        var psk = File.ReadAllText(pair.A.PresharedKeyFile!).Trim();
        foreach (var side in new[] { pair.A, pair.B })
        {
            var peer = (await side.Peer.ShowDumpAsync()).Peer(pair.Other(side).Keys.PublicKey);
            await pair.ExpectAsync(peer.PresharedKey == psk, $"{pair.Name(side)} reports preshared key {peer.PresharedKey}, set {psk}");
            await pair.ExpectAsync(peer.LatestHandshake is not null, $"{pair.Name(side)} reports no handshake");
        }
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.PairData), MemberType = typeof(Implementations))]
    public async Task MismatchedPresharedKeysNeverHandshake(Implementation a, Implementation b)
    {
        using var pair = await TunnelPair.CreateAsync(a, b, new TunnelOptions { PresharedKeys = PresharedKeyMode.Different });

        // Different keys on the two sides.
        await pair.ExpectNoPingAsync(pair.A, pair.B.TunnelV4, TimeSpan.FromSeconds(3));
        // A key on one side only (wg(8): /dev/null removes it).
        await pair.B.Peer.SetAsync("peer", pair.A.Keys.PublicKey, "preshared-key", "/dev/null");
        await pair.ExpectNoPingAsync(pair.B, pair.A.TunnelV6, TimeSpan.FromSeconds(3));
        foreach (var side in new[] { pair.A, pair.B })
        {
            var peer = (await side.Peer.ShowDumpAsync()).Peer(pair.Other(side).Keys.PublicKey);
            await pair.ExpectAsync(peer.LatestHandshake is null, $"{pair.Name(side)} reports a handshake at {peer.LatestHandshake} despite the key mismatch");
        }

        // The same topology with the keys made equal works, so the keys alone blocked it. Each side
        // retries its initiation every REKEY_TIMEOUT (5 s), hence the longer deadline.
        await pair.B.Peer.SetAsync("peer", pair.A.Keys.PublicKey, "preshared-key", pair.A.PresharedKeyFile!);
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false, deadline: TimeSpan.FromSeconds(15));
    }
}
