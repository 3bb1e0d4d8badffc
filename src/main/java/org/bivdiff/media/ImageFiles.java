package org.bivdiff.media;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;

import org.bivdiff.io.FileTrees;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** PNG / JPEG files and {@link BufferedImage}s to and from {@link Image8}, through javax.imageio. */
public final class ImageFiles {

    private ImageFiles() {
    }

    /**
     * Reads an image file (PNG, JPEG, BMP, or the first frame of a GIF) as RGB, like PIL's
     * {@code Image.open(path).convert("RGB")}: grayscale is copied to three channels, alpha is dropped.
     *
     * @return an {@code (H, W, 3)} image
     * @throws IOException naming the file when it is missing or not an image javax.imageio can read
     */
    public static Image8 read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "image file not found");
        }
        BufferedImage img;
        try (InputStream in = Files.newInputStream(file)) {
            img = ImageIO.read(in);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot decode image " + file + ": " + e.getMessage(), e);
        }
        if (img == null) {
            throw new IOException("not an image (or a format javax.imageio cannot read): " + file);
        }
        return fromBufferedImage(img);
    }

    /**
     * The {@code {width, height}} of an image file, from its header (nothing is decoded).
     *
     * @throws IOException naming the file when it is missing or not an image javax.imageio can read
     */
    public static int[] size(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "image file not found");
        }
        ImageReader reader = null;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            reader = readers == null || !readers.hasNext() ? null : readers.next();
            if (reader != null) {
                reader.setInput(in, true, true);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot decode image " + file + ": " + e.getMessage(), e);
        } finally {
            if (reader != null) {
                reader.dispose();
            }
        }
        throw new IOException("not an image (or a format javax.imageio cannot read): " + file);
    }

    /**
     * Writes {@code image} as PNG or JPEG (quality: the javax.imageio default, 0.75), chosen by the
     * extension of {@code file} ({@code .png}, {@code .jpg}, {@code .jpeg}). Parent folders are created.
     * The file is opened here, not by javax.imageio, whose file output prints a stack trace and then says
     * only "Can't create an ImageOutputStream!" when the file cannot be created.
     */
    public static void write(Image8 image, Path file) throws IOException {
        String format = formatOf(file);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            FileTrees.createFolders(parent);
        }
        try (OutputStream out = Files.newOutputStream(file);
             ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            if (!ImageIO.write(toBufferedImage(image), format, stream)) {
                throw new IOException("no javax.imageio writer for " + format + " (writing " + file + ")");
            }
        }
    }

    /**
     * An RGB (or grayscale) {@link BufferedImage} as an {@code (H, W, 3)} image. 8-bit grayscale samples
     * are copied as they are ({@code getRGB} would pass them through a linear-to-sRGB curve).
     */
    public static Image8 fromBufferedImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        if (img.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            byte[] gray = (byte[]) img.getRaster().getDataElements(0, 0, w, h, null);
            return new Image8(h, w, 1, gray).toRgb();
        }
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < argb.length; i++) {
            px[3 * i] = (byte) (argb[i] >> 16);
            px[3 * i + 1] = (byte) (argb[i] >> 8);
            px[3 * i + 2] = (byte) argb[i];
        }
        return new Image8(h, w, 3, px);
    }

    /** {@code image} as a {@code TYPE_3BYTE_BGR} or {@code TYPE_BYTE_GRAY} {@link BufferedImage}. */
    public static BufferedImage toBufferedImage(Image8 image) {
        int w = image.width();
        int h = image.height();
        byte[] src = image.pixels();
        if (image.channels() == 1) {
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            out.getRaster().setDataElements(0, 0, w, h, src.clone());
            return out;
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        // the raster of TYPE_3BYTE_BGR takes its elements in R, G, B band order
        out.getRaster().setDataElements(0, 0, w, h, src.clone());
        return out;
    }

    private static String formatOf(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) {
            return "png";
        }
        if (name.endsWith(".jpg") || name.endsWith(".jpeg")) {
            return "jpeg";
        }
        throw new IllegalArgumentException("cannot tell the image format of " + file + " (use .png, .jpg or .jpeg)");
    }
}
