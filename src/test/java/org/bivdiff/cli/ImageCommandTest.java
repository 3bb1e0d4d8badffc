package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code bivdiff image}: every task on the tiny fixture models, 2 steps, writes a PNG of the asked size. */
class ImageCommandTest {

    private static final Path MODELS = Fixtures.root().resolve("models");

    @TempDir
    static Path dir;

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome run(List<String> args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A 48x40 input (shapes and a ramp, so Canny finds edges) and a mask of another size (resized). */
    @BeforeAll
    static void inputs() throws Exception {
        byte[] px = new byte[40 * 48 * 3];
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 48; x++) {
                boolean square = x >= 12 && x < 30 && y >= 8 && y < 26;
                for (int c = 0; c < 3; c++) {
                    px[(y * 48 + x) * 3 + c] = (byte) (square ? 230 : (x * 5 + c * 40) % 200);
                }
            }
        }
        ImageFiles.write(new Image8(40, 48, 3, px), dir.resolve("in.png"));
        byte[] m = new byte[20 * 24 * 3];
        for (int i = 0; i < m.length / 2; i++) {
            m[i] = (byte) 255;
        }
        ImageFiles.write(new Image8(20, 24, 3, m), dir.resolve("mask.png"));
    }

    private static List<String> base(String task, String... models) {
        List<String> a = new ArrayList<>(List.of("image", "--task", task, "--models"));
        for (String m : models) {
            a.add(MODELS.resolve(m).toString());
        }
        a.addAll(List.of("--prompt", "a red car", "--steps", "2", "--threads", "1", "--seed", "7"));
        return a;
    }

    private static void assertPng(Outcome o, Path png, int width, int height) throws Exception {
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(Files.isRegularFile(png), "no " + png);
        Image8 img = ImageFiles.read(png);
        assertEquals(width, img.width(), "width");
        assertEquals(height, img.height(), "height");
    }

    @ParameterizedTest
    @ValueSource(strings = {"controlnet-canny", "t2i-adapter-canny", "ip2p", "inpaint", "outpaint", "img2img"})
    void taskOnAnImageWritesAPngOfTheInputSizeRoundedDownTo32(String task) throws Exception {
        String extra = switch (task) {
            case "controlnet-canny" -> "tiny-controlnet";
            case "t2i-adapter-canny" -> "tiny-t2i-adapter";
            case "ip2p" -> "tiny-ip2p-unet";
            case "inpaint", "outpaint" -> "tiny-inpaint-unet";
            default -> null;
        };
        List<String> args = extra == null ? base(task, "tiny-sd15") : base(task, "tiny-sd15", extra);
        args.addAll(List.of("--image", dir.resolve("in.png").toString()));
        if (task.equals("inpaint")) {
            args.addAll(List.of("--mask", dir.resolve("mask.png").toString()));
        }
        Path png = dir.resolve(task + ".png");
        args.addAll(List.of("--out", png.toString()));
        assertPng(run(args), png, 32, 32);
    }

    @Test
    void txt2imgAndNamedFoldersAndSizeOptions() throws Exception {
        Path png = dir.resolve("txt2img.png");
        List<String> a = base("txt2img", "tiny-sd15");
        a.addAll(List.of("--height", "40", "--width", "64", "--out", png.toString()));
        Outcome rounded = run(a);
        assertPng(rounded, png, 64, 32);
        assertTrue(rounded.err().contains("warning: --height 40 is rounded down to 32, a multiple of 32, as BIVDiff "
                + "does"), rounded.err());
        Path half = dir.resolve("txt2img-fp16.png");
        List<String> h = base("txt2img", "tiny-sd15");
        h.addAll(List.of("--height", "32", "--width", "32", "--precision", "fp16", "--out", half.toString()));
        assertPng(run(h), half, 32, 32);

        Path cn = dir.resolve("cn-named.png");
        List<String> b = base("controlnet-canny", "tiny-sd15");
        b.addAll(List.of("--controlnet", MODELS.resolve("tiny-controlnet").toString(), "--image",
                dir.resolve("in.png").toString(), "--height", "32", "--width", "32", "--max-batch", "1",
                "--out", cn.toString()));
        assertPng(run(b), cn, 32, 32);

        Path out = dir.resolve("outpaint-h.png");
        List<String> c = base("outpaint", "tiny-sd15", "tiny-inpaint-unet");
        c.addAll(List.of("--image", dir.resolve("in.png").toString(), "--direction", "horizontal",
                "--scheduler", "EulerAncestralDiscreteScheduler", "--out", out.toString()));
        assertPng(run(c), out, 32, 32);
    }

    @Test
    void promptToPromptWritesTheEditedAndTheSourceImage() throws Exception {
        Path edited = dir.resolve("p2p.png");
        Path source = dir.resolve("p2p-source.png");
        List<String> a = base("p2p", "tiny-sd15");
        // LocalBlend's literal (2, -1, 1, 16, 16, 77) view needs 32 x 32 latents on the tiny UNet
        a.addAll(List.of("--edited-prompt", "a blue car", "--blend-words", "red", "blue", "--height", "64",
                "--width", "64", "--out", edited.toString(), "--source-out", source.toString()));
        assertPng(run(a), edited, 64, 64);
        assertTrue(Files.isRegularFile(source), "no " + source);

        Path refined = dir.resolve("p2p-refine.png");
        List<String> b = base("p2p", "tiny-sd15");
        b.addAll(List.of("--edited-prompt", "a red car in snow", "--edit", "refine", "--height", "32", "--width", "64",
                "--out", refined.toString()));
        assertPng(run(b), refined, 64, 32);

        List<String> c = base("p2p", "tiny-sd15");
        c.addAll(List.of("--out", dir.resolve("p2p-missing.png").toString()));
        Outcome o = run(c);
        assertEquals(2, o.code());
        assertTrue(o.err().contains("--edited-prompt is required"), o.err());
    }

    @Test
    void badUsageFailsBeforeLoadingWithAClearMessage() {
        List<String> noExtra = base("controlnet-canny", "tiny-sd15");
        noExtra.addAll(List.of("--image", dir.resolve("in.png").toString(), "--out", dir.resolve("x.png").toString()));
        Outcome o = run(noExtra);
        assertEquals(2, o.code());
        assertTrue(o.err().contains("needs a controlnet folder"), o.err());

        List<String> badSize = base("txt2img", "tiny-sd15");
        badSize.addAll(List.of("--height", "36", "--width", "16", "--out", dir.resolve("y.png").toString()));
        Outcome s = run(badSize);
        assertEquals(2, s.code());
        assertTrue(s.err().contains("must be at least 32x32"), s.err());

        List<String> badEdit = base("p2p", "tiny-sd15");
        badEdit.addAll(List.of("--edited-prompt", "a blue car", "--edit", "swap", "--out", dir.resolve("e.png")
                .toString()));
        Outcome e = run(badEdit);
        assertEquals(2, e.code());
        assertTrue(e.err().contains("--edit takes refine or replace, got 'swap'"), e.err());

        Outcome t = run(List.of("image", "--task", "paint", "--out", "z.png"));
        assertEquals(2, t.code());
        assertTrue(t.err().contains("unknown --task 'paint'"), t.err());

        // a model id the Hugging Face cache does not hold: the error says how to get it
        Outcome id = run(List.of("image", "--task", "txt2img", "--models", "bivdiff-test/not-pulled@v2", "--prompt", "a",
                "--out", dir.resolve("w.png").toString()));
        assertEquals(1, id.code());
        assertTrue(id.err().contains("does not hold the model bivdiff-test/not-pulled@v2; download it with: "
                + "bin/bivdiff models pull bivdiff-test/not-pulled@v2 (or add --download)"), id.err());
    }

    @Test
    void anOutputThatCannotBeWrittenFailsBeforeTheWorkWithPathAndReasonAndNoStackTrace() {
        Path blocked = dir.resolve("in.png").resolve("out.png");   // in.png is a file, not a folder
        List<String> a = base("txt2img", "tiny-sd15");
        a.addAll(List.of("--height", "32", "--width", "32", "--out", blocked.toString()));
        Outcome o = run(a);
        assertEquals(1, o.code());
        assertEquals("bivdiff image: " + dir.resolve("in.png") + ": not a folder\n", o.err());
        a.add("--debug");
        Outcome debug = run(a);
        assertEquals(1, debug.code());
        assertTrue(debug.err().startsWith("bivdiff image: " + dir.resolve("in.png") + ": not a folder\n"), debug.err());
        assertTrue(debug.err().contains("NotDirectoryException") && debug.err().contains("\tat "), debug.err());
    }

    @Test
    void aTruncatedPromptAndAResizedImageAreWarnedAbout() throws Exception {
        Path png = dir.resolve("warned.png");
        List<String> a = base("img2img", "tiny-sd15");
        a.set(a.indexOf("a red car"), "a red car " + "driving along a long road ".repeat(20) + "under a purple sky");
        a.addAll(List.of("--image", dir.resolve("in.png").toString(), "--width", "32", "--height", "32", "--out",
                png.toString()));
        Outcome o = run(a);
        assertPng(o, png, 32, 32);
        assertTrue(o.err().contains("warning: --image " + dir.resolve("in.png") + " is 48x40; it is resized to 32x32"),
                o.err());
        assertTrue(o.err().contains("warning: --prompt is 109 tokens long but CLIP reads 77"), o.err());
        assertTrue(o.err().contains("under a purple sky\""), o.err());
    }
}
