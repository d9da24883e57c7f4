// What one peer section of a set transaction (from its public_key line to the next) asks for.
using System.Net;
using WgSharp.Noise.Keys;

namespace WgSharp.Router.Configuration;

public sealed class PeerUpdate : IDisposable
{
    public PeerUpdate(PublicKey publicKey) => PublicKey = publicKey;

    /// <summary>The peer this section configures; created unless <see cref="UpdateOnly"/> or
    /// <see cref="Remove"/> says otherwise.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>remove=true: delete the peer if it exists. Every other field of the section is ignored.</summary>
    public bool Remove { get; set; }

    /// <summary>update_only=true: change the peer only if it already exists; never create it.</summary>
    public bool UpdateOnly { get; set; }

    /// <summary>null: unchanged. An all-zero key removes the preshared key. Owned by this update.</summary>
    public PresharedKey? PresharedKey
    {
        get => _presharedKey;
        set
        {
            if (!ReferenceEquals(_presharedKey, value))
            {
                _presharedKey?.Dispose();
            }

            _presharedKey = value;
        }
    }

    private PresharedKey? _presharedKey;

    /// <summary>null: unchanged. An IPv6 link-local endpoint may carry a scope id.</summary>
    public IPEndPoint? Endpoint { get; set; }

    /// <summary>null: unchanged; 0 turns persistent keepalive off; otherwise seconds.</summary>
    public ushort? PersistentKeepaliveInterval { get; set; }

    /// <summary>replace_allowed_ips=true: drop all of the peer's allowed IPs before applying
    /// <see cref="AllowedIpChanges"/>. Changes listed before the replace line are already discarded.</summary>
    public bool ReplaceAllowedIps { get; set; }

    /// <summary>Allowed-IP additions and removals, to be applied in this order.</summary>
    public List<AllowedIpChange> AllowedIpChanges { get; } = [];

    /// <summary>protocol_version when given; the only version that exists (and is accepted) is 1.</summary>
    public int? ProtocolVersion { get; set; }

    public void Dispose() => PresharedKey = null;
}
