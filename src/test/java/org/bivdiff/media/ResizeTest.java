package org.bivdiff.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** Resizing against values Pillow 9.4 computes, and the size rounding. */
class ResizeTest {

    /** 7x5 RGB, value (37x + 91y + 53c + 11xy) mod 256. */
    private static Image8 pattern() {
        int w = 7;
        int h = 5;
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    px[(y * w + x) * 3 + c] = (byte) ((x * 37 + y * 91 + c * 53 + x * y * 11) % 256);
                }
            }
        }
        return new Image8(h, w, 3, px);
    }

    private static void assertPillow(String hex, int w, int h, Resize.Filter filter) {
        Image8 expected = new Image8(h, w, 3, HexFormat.of().parseHex(hex));
        assertEquals(expected, Resize.resize(pattern(), w, h, filter), filter + " to " + w + "x" + h);
    }

    @Test
    void bilinearMatchesPillow() {
        // Image.frombytes("RGB", (7, 5), pattern).resize((w, h), Image.BILINEAR).tobytes().hex()
        assertPillow("3d72a17e94907c92aa9e867d958d72867f79847d68766e7e669b8c6f85637187705b9085", 4, 3,
                Resize.Filter.BILINEAR);
        assertPillow("00356a14497e2e6398487db26297cc7cb1e696cbf3b0e55aca8b34de1348285d923e73a85c91aa79ae79978391"
                + "8d79ae6196c47fb47d9c9076b3588d6196bb7ba7d59ac3bcb1e535d26b4ca03968265a804871a2638fc475aadf9acf54"
                + "b88c72b364855f8b747d7e978889807ba735a1525b794e83376ca182b73ca4795ea5567755816a7879928889807fab39"
                + "ab5c65875c6d497e631b5075416d9b6e979094c818c35c3da0386734688e658ebf8ebb83abe0254479ae6ea38980b562"
                + "5085487f6a798c787b71a65342778853888b7db2776ca1d699ce7691c63b174c744378ad7bb08ca7dc1e2d6257255a8f"
                + "5287bc", 10, 8, Resize.Filter.BILINEAR);
    }

    @Test
    void lanczosMatchesPillow() {
        assertPillow("3976a48393977b98a99a847b989175947f74856d627274845f9c8572846072847759947d", 4, 3,
                Resize.Filter.LANCZOS);
        assertPillow("002d5a0a3b68275292396cc34e9fda75c2ffa8ddfec1ff42d97f08e6003e1748982669bc51a8b780bb73b07f79"
                + "915fc15692db68d180a89d6ac94f916299b87ca2f0a0d9c9b5f22bf66232a9156818557a316aa36994d472b5edb2ff4a"
                + "eb9a66d34480507d7c647cba89a18288b50bc130346b2598066bc081cd14b86746af2078477475637cb2859e8d8cba2f"
                + "e153569a45613478451148653359af6ca6a198d60fe85522a61369256497568fe5a3c97fb4eb093163c468ab9d80d853"
                + "518c3c835378a3727e69a4571d75954a8d9993c4746fa4f1bced6da6d20b02367d0d5de795e697bdf004214c2c0536a2"
                + "4e84d7", 10, 8, Resize.Filter.LANCZOS);
    }

    @Test
    void sameSizeIsTheImageItself() {
        Image8 img = pattern();
        assertSame(img, Resize.bilinear(img, 7, 5));
    }

    @Test
    void flatImagesStayFlat() {
        byte[] px = new byte[9 * 7];
        java.util.Arrays.fill(px, (byte) 77);
        Image8 flat = new Image8(7, 9, 1, px);
        for (Resize.Filter f : Resize.Filter.values()) {
            Image8 out = Resize.resize(flat, 20, 3, f);
            for (byte b : out.pixels()) {
                assertEquals(77, b & 0xFF, f.toString());
            }
        }
    }

    @Test
    void sizesRoundDownToMultiples() {
        assertEquals(512, Resize.roundDown(512, 32));
        assertEquals(480, Resize.roundDown(511, 32));
        assertEquals(504, Resize.roundDown(511, 8));
        assertThrows(IllegalArgumentException.class, () -> Resize.roundDown(31, 32));
        assertThrows(IllegalArgumentException.class, () -> Resize.roundDown(64, 0));
    }
}
