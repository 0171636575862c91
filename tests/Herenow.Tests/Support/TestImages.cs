using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NetVips;

namespace Herenow.Tests.Support;

/// <summary>
/// Images made in the test: encoded with libvips (the library the API uses), and the metadata a phone writes (EXIF
/// with GPS and orientation, XMP, IPTC, a comment) spliced in byte by byte, so the test knows exactly what went in.
/// </summary>
public static class TestImages
{
    /// <summary>Where the "phone" was: 52°31'12.34" N, 13°24'56.78" E.</summary>
    public static readonly (uint Num, uint Den)[] Latitude = [(52, 1), (31, 1), (1234, 100)];
    public static readonly (uint Num, uint Den)[] Longitude = [(13, 1), (24, 1), (5678, 100)];
    public const string CameraMake = "HerenowPhone";
    public const string XmpMarker = "http://ns.adobe.com/xap/1.0/";
    public const string CommentText = "shot at 52.5201N 13.4157E";
    public const string IptcCity = "Kreuzberg";

    /// <summary>A smooth colour gradient (compresses like a photo, not like noise), 8-bit sRGB.</summary>
    public static Image Gradient(int width, int height)
    {
        using var xy = Image.Xyz(width, height);
        var r = xy[0] * (255.0 / width);
        var g = xy[1] * (255.0 / height);
        var b = (xy[0] + xy[1]) * (255.0 / (width + height));
        return r.Bandjoin(g, b).Cast(Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Srgb);
    }

    public static Image Solid(int width, int height, double r, double g, double b) =>
        (Image.Black(width, height, bands: 3) + new[] { r, g, b }).Cast(Enums.BandFormat.Uchar)
        .Copy(interpretation: Enums.Interpretation.Srgb);

    public static byte[] Jpeg(Image image, int quality = 90) => image.JpegsaveBuffer(q: quality, keep: Enums.ForeignKeep.None);

    public static byte[] Png(Image image) => image.PngsaveBuffer(keep: Enums.ForeignKeep.None);

    public static byte[] WebP(Image image) => image.WebpsaveBuffer(q: 80, keep: Enums.ForeignKeep.None);

    /// <summary>
    /// A JPEG as a phone writes it: APP1 Exif (make, orientation, GPS IFD with latitude and longitude), APP1 XMP with the
    /// position again, APP13 IPTC with a city, and a comment, all right after SOI.
    /// </summary>
    public static byte[] WithPhoneMetadata(byte[] jpeg, ushort orientation = 1)
    {
        if (jpeg is not [0xFF, 0xD8, ..]) throw new ArgumentException("not a JPEG", nameof(jpeg));
        var segments = new MemoryStream();
        WriteSegment(segments, 0xE1, [.. "Exif\0\0"u8, .. ExifTiff(orientation)]);
        WriteSegment(segments, 0xE1, Encoding.UTF8.GetBytes(XmpMarker + "\0" + $"""
            <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
            <rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="52,31.2057N" exif:GPSLongitude="13,24.9463E"/>
            </rdf:RDF></x:xmpmeta>
            """));
        WriteSegment(segments, 0xED, Iptc());
        WriteSegment(segments, 0xFE, Encoding.ASCII.GetBytes(CommentText));
        return [.. jpeg.AsSpan(0, 2), .. segments.ToArray(), .. jpeg.AsSpan(2)];
    }

    /// <summary>A PNG whose header claims <paramref name="width"/> x <paramref name="height"/> and whose data is a few bytes.</summary>
    public static byte[] PngHeaderClaiming(int width, int height)
    {
        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // truecolour
        WriteChunk(png, "IHDR", ihdr);
        var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(new byte[4096]);
        }
        WriteChunk(png, "IDAT", idat.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>The marker of every segment before the image data (SOS), in order.</summary>
    public static List<byte> JpegMarkers(byte[] jpeg)
    {
        var markers = new List<byte>();
        var at = 2;
        while (at + 4 <= jpeg.Length && jpeg[at] == 0xFF)
        {
            var marker = jpeg[at + 1];
            markers.Add(marker);
            if (marker == 0xDA) break; // start of scan: entropy-coded data follows
            at += 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(at + 2));
        }
        return markers;
    }

    private static void WriteSegment(Stream into, byte marker, byte[] payload)
    {
        into.WriteByte(0xFF);
        into.WriteByte(marker);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)(payload.Length + 2)));
        into.Write(length);
        into.Write(payload);
    }

    private static void WriteChunk(Stream into, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        into.Write(word);
        var typeAndData = (byte[])[.. Encoding.ASCII.GetBytes(type), .. data];
        into.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
        into.Write(word);
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>A little-endian TIFF structure: IFD0 (Make, Orientation, pointer to the GPS IFD) and the GPS IFD.</summary>
    private static byte[] ExifTiff(ushort orientation)
    {
        const ushort Byte = 1, Ascii = 2, Short = 3, Long = 4, Rational = 5;
        var make = Encoding.ASCII.GetBytes(CameraMake + "\0");
        // Layout: header (8) | IFD0 (3 entries) | make | GPS IFD (5 entries) | latitude | longitude.
        const int ifd0 = 8;
        var makeAt = ifd0 + 2 + 3 * 12 + 4;
        var gpsAt = makeAt + make.Length + (make.Length % 2);
        var latitudeAt = gpsAt + 2 + 5 * 12 + 4;
        var longitudeAt = latitudeAt + 24;
        var tiff = new byte[longitudeAt + 24];
        "II"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), ifd0);

        var at = ifd0;
        void Count(int n) { BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), (ushort)n); at += 2; }
        void Entry(ushort tag, ushort type, uint count, uint valueOrOffset, bool shortValue = false)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 4), count);
            if (shortValue) BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 8), (ushort)valueOrOffset);
            else BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 8), valueOrOffset);
            at += 12;
        }
        void Inline(ushort tag, ushort type, byte[] value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 4), (uint)value.Length);
            value.CopyTo(tiff.AsSpan(at + 8));
            at += 12;
        }

        Count(3);
        Entry(0x010F, Ascii, (uint)make.Length, (uint)makeAt);          // Make
        Entry(0x0112, Short, 1, orientation, shortValue: true);         // Orientation
        Entry(0x8825, Long, 1, (uint)gpsAt);                            // GPS IFD pointer
        at += 4;                                                        // no IFD1
        make.CopyTo(tiff.AsSpan(makeAt));

        at = gpsAt;
        Count(5);
        Inline(0x0000, Byte, [2, 3, 0, 0]);                             // GPSVersionID
        Inline(0x0001, Ascii, "N\0"u8.ToArray());                       // GPSLatitudeRef
        Entry(0x0002, Rational, 3, (uint)latitudeAt);                   // GPSLatitude
        Inline(0x0003, Ascii, "E\0"u8.ToArray());                       // GPSLongitudeRef
        Entry(0x0004, Rational, 3, (uint)longitudeAt);                  // GPSLongitude
        WriteRationals(tiff.AsSpan(latitudeAt), Latitude);
        WriteRationals(tiff.AsSpan(longitudeAt), Longitude);
        return tiff;
    }

    /// <summary>The bytes a GPS rational triple takes in the EXIF block above (what must not appear in served files).</summary>
    public static byte[] RationalBytes((uint Num, uint Den)[] values)
    {
        var bytes = new byte[values.Length * 8];
        WriteRationals(bytes, values);
        return bytes;
    }

    private static void WriteRationals(Span<byte> into, (uint Num, uint Den)[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(into[(i * 8)..], values[i].Num);
            BinaryPrimitives.WriteUInt32LittleEndian(into[(i * 8 + 4)..], values[i].Den);
        }
    }

    /// <summary>APP13 "Photoshop 3.0" with one 8BIM IPTC resource holding dataset 2:90 (city).</summary>
    private static byte[] Iptc()
    {
        var city = Encoding.ASCII.GetBytes(IptcCity);
        byte[] dataset = [0x1C, 2, 90, 0, (byte)city.Length, .. city];
        var resource = new MemoryStream();
        resource.Write("8BIM"u8);
        resource.Write([0x04, 0x04, 0, 0]); // resource 0x0404 (IPTC-NAA), empty Pascal name padded to even
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(size, dataset.Length);
        resource.Write(size);
        resource.Write(dataset);
        if (dataset.Length % 2 == 1) resource.WriteByte(0);
        return [.. "Photoshop 3.0\0"u8, .. resource.ToArray()];
    }
}
