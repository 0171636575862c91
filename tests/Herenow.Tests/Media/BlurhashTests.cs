using Herenow.Api.Media;

namespace Herenow.Tests.Media;

public sealed class BlurhashTests
{
    /// <summary>
    /// R falls from left to right, G from top to bottom, B is a diagonal pattern. The expected hashes come from the
    /// reference TypeScript encoder (npm package blurhash 2.0.5, woltapp) on the same pixels. Its maximum-AC step
    /// ignores the sign of negative components (the spec and the Swift and C encoders take the absolute value); these
    /// images are chosen so that the largest component is positive and both readings agree.
    /// </summary>
    private static byte[] Reference(int width, int height)
    {
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var p = 3 * (y * width + x);
                rgb[p] = (byte)(255 - 255 * x / (width - 1));
                rgb[p + 1] = (byte)(255 - 255 * y / (height - 1));
                rgb[p + 2] = (byte)((x * 7 + y * 13) % 256);
            }
        }
        return rgb;
    }

    [Theory]
    [InlineData(32, 24, 4, 3, "L;HoI4|?$6xGq9objpkAgufdfSfm")]
    [InlineData(20, 30, 3, 4, "T=Hxyo|?,Zq7odjrgZfefQo;oMjw")]
    [InlineData(64, 48, 4, 3, "L-HetV|u$5w]q8j@juj@gcfhfQfg")]
    public void Matches_the_reference_encoder(int width, int height, int xComponents, int yComponents, string expected)
    {
        Assert.Equal(expected, Blurhash.Encode(Reference(width, height), width, height, xComponents, yComponents));
    }

    [Fact]
    public void Length_follows_the_component_count_and_the_first_digit_encodes_it()
    {
        var hash = Blurhash.Encode(Reference(16, 16), 16, 16, 5, 2);

        Assert.Equal(4 + 2 * 5 * 2, hash.Length);
        // (5 - 1) + (2 - 1) * 9 = 13, base-83 digit 'D'
        Assert.Equal('D', hash[0]);
    }

    [Fact]
    public void One_component_is_the_average_colour_exactly()
    {
        var grey = Enumerable.Repeat((byte)128, 8 * 8 * 3).ToArray();

        var hash = Blurhash.Encode(grey, 8, 8, 1, 1);

        // size 0, no AC maximum (0), then 0x808080 in four base-83 digits
        Assert.Equal(6, hash.Length);
        Assert.Equal("00", hash[..2]);
        Assert.Equal(0x808080, Base83(hash[2..6]));
    }

    [Fact]
    public void Refuses_bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Blurhash.Encode(new byte[12], 2, 2, 0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Blurhash.Encode(new byte[12], 2, 2, 4, 10));
        Assert.Throws<ArgumentException>(() => Blurhash.Encode(new byte[11], 2, 2, 4, 3));
    }

    private static int Base83(string digits) =>
        digits.Aggregate(0, (value, c) => value * 83 + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~".IndexOf(c, StringComparison.Ordinal));
}
