// The output of `show`, `showconf` and friends, built in a pinned buffer that is zeroed once written
// out (it may hold private and preshared keys), with ANSI styles that appear only when colors are on,
// and blocks (the interface, each peer, later sections) separated by one blank line.
using System.Buffers.Text;
using System.Text;
using WgSharp.Cli.Uapi;
using WgSharp.Noise.Keys;

namespace WgSharp.Cli.Presentation;

internal sealed class ShowWriter : IDisposable
{
    private readonly SecretBuffer _buffer = new();
    private bool _inBlock;

    public ShowWriter(bool colors = false, bool hideKeys = true)
    {
        Colors = colors;
        HideKeys = hideKeys;
    }

    public bool Colors { get; }

    public bool HideKeys { get; }

    /// <summary>What has been written and not yet flushed, as text (for tests).</summary>
    public string Written => Encoding.UTF8.GetString(_buffer.WrittenSpan);

    public ShowWriter Text(ReadOnlySpan<char> text)
    {
        Span<byte> span = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _buffer.Advance(Encoding.UTF8.GetBytes(text, span));
        return this;
    }

    public ShowWriter Text(char c) => Text([c]);

    /// <summary>An escape sequence from <see cref="Ansi"/>; nothing when colors are off.</summary>
    public ShowWriter Style(string sequence) => Colors ? Text(sequence) : this;

    /// <summary><paramref name="text"/> in <paramref name="sequence"/>'s style, then the style reset.</summary>
    public ShowWriter Styled(string sequence, ReadOnlySpan<char> text) => Style(sequence).Text(text).Style(Ansi.Reset);

    public ShowWriter Decimal(ulong value)
    {
        _buffer.WriteDecimal(value);
        return this;
    }

    public ShowWriter Key(PublicKey key) => EncodeBase64(key.AsSpan());

    /// <summary>A private or preshared key in base64: a secret, for dumps and configuration files.</summary>
    public ShowWriter Secret(SecretKey key)
    {
        _buffer.Advance(key.ExportBase64Utf8(_buffer.GetSpan(SecretKey.Base64Utf8Length)));
        return this;
    }

    /// <summary>A secret key in the readable format: "(hidden)" unless keys are to be shown.</summary>
    public ShowWriter MaskedSecret(SecretKey key) => HideKeys ? Text("(hidden)") : Secret(key);

    /// <summary>Starts a block: from the second block on (since <see cref="StartDocument"/>), a blank line first.</summary>
    public ShowWriter StartBlock()
    {
        if (_inBlock)
        {
            Text('\n');
        }

        _inBlock = true;
        return this;
    }

    /// <summary>Starts the blocks of another interface: its first block gets no blank line before it.</summary>
    public void StartDocument() => _inBlock = false;

    /// <summary>Writes everything so far to <paramref name="output"/> and zeroes the buffer.</summary>
    public void FlushTo(Stream output)
    {
        try
        {
            output.Write(_buffer.WrittenSpan);
            output.Flush();
        }
        finally
        {
            _buffer.Clear();
        }
    }

    public void Dispose() => _buffer.Dispose();

    private ShowWriter EncodeBase64(ReadOnlySpan<byte> bytes)
    {
        Span<byte> span = _buffer.GetSpan(Base64.GetMaxEncodedToUtf8Length(bytes.Length));
        Base64.EncodeToUtf8(bytes, span, out _, out int written);
        _buffer.Advance(written);
        return this;
    }
}
