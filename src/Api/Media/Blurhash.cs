namespace Herenow.Api.Media;

/// <summary>
/// BlurHash encoder (the Wolt algorithm, https://blurha.sh, Algorithm.md): the first few cosine components of the
/// image in linear light, the average colour exact as sRGB, the others quantised, all in base 83. Clients paint it
/// while the preview loads.
/// </summary>
public static class Blurhash
{
    private const string Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

    private static readonly double[] SrgbToLinearTable = Enumerable.Range(0, 256).Select(v => SrgbToLinear(v)).ToArray();

    /// <param name="rgb">Packed 8-bit sRGB, 3 bytes a pixel, row by row.</param>
    /// <param name="xComponents">Components across, 1 to 9.</param>
    /// <param name="yComponents">Components down, 1 to 9.</param>
    public static string Encode(ReadOnlySpan<byte> rgb, int width, int height, int xComponents, int yComponents)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(xComponents, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(xComponents, 9);
        ArgumentOutOfRangeException.ThrowIfLessThan(yComponents, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(yComponents, 9);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (rgb.Length != (long)width * height * 3)
        {
            throw new ArgumentException($"Expected {width}x{height}x3 bytes, got {rgb.Length}.", nameof(rgb));
        }

        // factors[(j * xComponents + i) * 3 + channel]; the order of the sums follows the reference encoders (x outer,
        // y inner), so results match them to the last bit on ordinary inputs.
        var factors = new double[xComponents * yComponents * 3];
        var cosX = new double[width];
        var cosY = new double[height];
        var scale = 1.0 / (width * height);
        for (var j = 0; j < yComponents; j++)
        {
            for (var y = 0; y < height; y++) cosY[y] = Math.Cos(Math.PI * j * y / height);
            for (var i = 0; i < xComponents; i++)
            {
                for (var x = 0; x < width; x++) cosX[x] = Math.Cos(Math.PI * i * x / width);
                double normalisation = i == 0 && j == 0 ? 1 : 2;
                double r = 0, g = 0, b = 0;
                for (var x = 0; x < width; x++)
                {
                    for (var y = 0; y < height; y++)
                    {
                        var basis = normalisation * cosX[x] * cosY[y];
                        var p = 3 * (y * width + x);
                        r += basis * SrgbToLinearTable[rgb[p]];
                        g += basis * SrgbToLinearTable[rgb[p + 1]];
                        b += basis * SrgbToLinearTable[rgb[p + 2]];
                    }
                }
                var f = (j * xComponents + i) * 3;
                factors[f] = r * scale;
                factors[f + 1] = g * scale;
                factors[f + 2] = b * scale;
            }
        }

        var hash = new char[4 + 2 * xComponents * yComponents];
        var at = 0;
        Base83(xComponents - 1 + (yComponents - 1) * 9, 1, hash, ref at);

        var acCount = xComponents * yComponents - 1;
        double maximum;
        if (acCount > 0)
        {
            var actualMaximum = 0.0;
            for (var k = 3; k < factors.Length; k++) actualMaximum = Math.Max(actualMaximum, Math.Abs(factors[k]));
            var quantisedMaximum = (int)Math.Max(0, Math.Min(82, Math.Floor(actualMaximum * 166 - 0.5)));
            maximum = (quantisedMaximum + 1) / 166.0;
            Base83(quantisedMaximum, 1, hash, ref at);
        }
        else
        {
            maximum = 1;
            Base83(0, 1, hash, ref at);
        }

        Base83((LinearToSrgb(factors[0]) << 16) + (LinearToSrgb(factors[1]) << 8) + LinearToSrgb(factors[2]), 4, hash, ref at);
        for (var k = 1; k <= acCount; k++)
        {
            var value = QuantiseAc(factors[3 * k], maximum) * 19 * 19 + QuantiseAc(factors[3 * k + 1], maximum) * 19
                        + QuantiseAc(factors[3 * k + 2], maximum);
            Base83(value, 2, hash, ref at);
        }
        return new string(hash);
    }

    private static int QuantiseAc(double value, double maximum) =>
        (int)Math.Max(0, Math.Min(18, Math.Floor(SignPow(value / maximum, 0.5) * 9 + 9.5)));

    private static double SignPow(double value, double exponent) => Math.CopySign(Math.Pow(Math.Abs(value), exponent), value);

    private static double SrgbToLinear(int value)
    {
        var v = value / 255.0;
        return v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
    }

    private static int LinearToSrgb(double value)
    {
        var v = Math.Clamp(value, 0, 1);
        return v <= 0.0031308
            ? (int)(v * 12.92 * 255 + 0.5)
            : (int)((1.055 * Math.Pow(v, 1 / 2.4) - 0.055) * 255 + 0.5);
    }

    private static void Base83(int value, int length, char[] into, ref int at)
    {
        for (var i = 1; i <= length; i++)
        {
            var digit = value / (int)Math.Pow(83, length - i) % 83;
            into[at++] = Digits[digit];
        }
    }
}
