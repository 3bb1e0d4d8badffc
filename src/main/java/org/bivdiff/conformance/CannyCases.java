package org.bivdiff.conformance;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageTensors;
import org.bivdiff.media.annotators.Canny;
import org.bivdiff.tensor.Tensor;

/** Golden cases of the condition annotators. */
final class CannyCases {

    private CannyCases() {
    }

    /**
     * {@code canny}: edge maps of RGB images at two threshold pairs, their HWC3 / control-image forms, and
     * BIVDiff's [-1, 1] -> uint8 frame conversion with the edges computed from it.
     */
    static void canny(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        double[] a = thresholds(args, "thresholds_a");
        double[] b = thresholds(args, "thresholds_b");
        List<Image8> images = HwcImages.images(ctx.tensor("images_rgb"));

        List<Image8> edgesA = new ArrayList<>();
        List<Image8> edgesB = new ArrayList<>();
        List<Image8> hwc3A = new ArrayList<>();
        for (Image8 image : images) {
            Image8 e = Canny.edges(image, a[0], a[1]);
            edgesA.add(e);
            hwc3A.add(Canny.hwc3(e));
            edgesB.add(Canny.edges(image, b[0], b[1]));
        }
        ctx.check("canny_a", HwcImages.stack(edgesA, false));
        ctx.check("canny_b", HwcImages.stack(edgesB, false));
        ctx.check("control_hwc3_a", HwcImages.stack(hwc3A, true));
        ctx.check("control_image_a", ImageTensors.toUnit(hwc3A));

        List<Image8> fromFrames = ImageTensors.signedToPilTruncated(ctx.tensor("frames"));
        ctx.check("to_pil_uint8", HwcImages.stack(fromFrames, true));
        List<Image8> edgesFromFrames = new ArrayList<>();
        for (Image8 frame : fromFrames) {
            edgesFromFrames.add(Canny.edges(frame, a[0], a[1]));
        }
        ctx.check("canny_a_from_frames", HwcImages.stack(edgesFromFrames, false));
    }

    private static double[] thresholds(JsonNode args, String key) {
        JsonNode t = args.path(key);
        if (!t.isArray() || t.size() != 2) {
            throw new IllegalArgumentException("case args." + key + " must be [low, high], got " + t);
        }
        return new double[] {t.get(0).asDouble(), t.get(1).asDouble()};
    }
}
