package org.bivdiff.media;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Animated, endlessly looping GIFs through javax.imageio's GIF writer (each frame gets its own palette of
 * up to 256 colours, built by the JDK's octree quantiser, no dithering).
 */
final class GifWriter {

    private static final String FORMAT = "javax_imageio_gif_image_1.0";

    private GifWriter() {
    }

    /**
     * The frame delay in hundredths of a second as imageio's {@code mimsave(path, frames, fps=fps)} and
     * Pillow store it: {@code int((1000 / fps) / 10)}, at least 1.
     */
    static int delayCentiseconds(double fps) {
        return Math.max(1, (int) ((1000.0 / fps) / 10.0));
    }

    static void write(List<Image8> frames, Path file, double fps) throws IOException {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("gif");
        if (!it.hasNext()) {
            throw new IOException("this JDK has no GIF writer (javax.imageio)");
        }
        ImageWriter writer = it.next();
        String delay = Integer.toString(delayCentiseconds(fps));
        Files.deleteIfExists(file);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            boolean first = true;
            for (Image8 frame : frames) {
                BufferedImage img = ImageFiles.toBufferedImage(frame);
                IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img), null);
                IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(FORMAT);
                IIOMetadataNode gce = child(root, "GraphicControlExtension");
                gce.setAttribute("disposalMethod", "none");
                gce.setAttribute("userInputFlag", "FALSE");
                gce.setAttribute("transparentColorFlag", "FALSE");
                gce.setAttribute("transparentColorIndex", "0");
                gce.setAttribute("delayTime", delay);
                if (first) {
                    // NETSCAPE2.0 application extension: loop count 0 = forever
                    IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
                    app.setAttribute("applicationID", "NETSCAPE");
                    app.setAttribute("authenticationCode", "2.0");
                    app.setUserObject(new byte[] {1, 0, 0});
                    child(root, "ApplicationExtensions").appendChild(app);
                    first = false;
                }
                meta.setFromTree(FORMAT, root);
                writer.writeToSequence(new IIOImage(img, null, meta), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
                return (IIOMetadataNode) root.item(i);
            }
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }
}
