package org.bivdiff.models.random;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.bivdiff.io.DType;
import org.bivdiff.io.SafeTensorsWriter;
import org.bivdiff.io.TorchWriter;

/**
 * Random weights for an architecture's parameter list (see {@code parameterShapes} of each model):
 * deterministic per seed and key, scaled so activations stay in range through deep networks
 * (normal with std 1/sqrt(fan_in) for matrices and kernels, ones for norm scales, small biases; CLIP's
 * {@code logit_scale} at its initial value).
 * For demos, tests and benchmarks; such models compute nothing meaningful.
 */
public final class RandomWeights {

    private RandomWeights() {
    }

    /**
     * Writes {@code shapes} as an F32 (or F16) safetensors file, or, for a {@code .bin} file, as a PyTorch
     * pickle, one tensor at a time.
     */
    public static void write(Path file, Map<String, long[]> shapes, long seed, DType dtype) throws IOException {
        if (dtype != DType.F32 && dtype != DType.F16) {
            throw new IllegalArgumentException("random weights are written as F32 or F16, not " + dtype);
        }
        List<SafeTensorsWriter.Spec> specs = new ArrayList<>();
        shapes.forEach((k, s) -> specs.add(new SafeTensorsWriter.Spec(k, dtype, s)));
        SafeTensorsWriter.DataSource source = spec -> encode(values(spec, seed), dtype);
        if (file.getFileName().toString().endsWith(".bin")) {
            new TorchWriter().streamed(specs, source).write(file);
        } else {
            SafeTensorsWriter.stream(file, specs, Map.of("format", "pt"), source);
        }
    }

    /**
     * A {@code torch.save} writer of random F32 weights of {@code shapes}, streamed, with the values {@link #write}
     * gives the same keys and seed: a diffusers {@code .bin}, or with {@link TorchWriter#nestedUnder} a Lightning
     * checkpoint.
     */
    public static TorchWriter torch(Map<String, long[]> shapes, long seed) {
        List<SafeTensorsWriter.Spec> specs = new ArrayList<>();
        shapes.forEach((k, s) -> specs.add(new SafeTensorsWriter.Spec(k, DType.F32, s)));
        return new TorchWriter().streamed(specs, spec -> encode(values(spec, seed), DType.F32));
    }

    /** The values of one tensor. */
    static float[] values(SafeTensorsWriter.Spec spec, long seed) {
        long[] shape = spec.shape();
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        SplittableRandom r = new SplittableRandom(seed ^ spec.name().hashCode() * 0x9E3779B97F4A7C15L);
        String key = spec.name();
        if (key.equals("logit_scale")) {
            // CLIP's temperature: its initial value, log(1 / 0.07).
            v[0] = (float) Math.log(1 / 0.07);
        } else if (shape.length == 1 && key.endsWith(".weight")) {
            // Norm scales: around one.
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (1 + 0.1 * r.nextGaussian());
            }
        } else if (shape.length == 1) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (0.02 * r.nextGaussian());
            }
        } else {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) {
                fanIn *= shape[i];
            }
            double std = key.contains("embedding") ? 0.5 : 1 / Math.sqrt(fanIn);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (std * r.nextGaussian());
            }
        }
        return v;
    }

    private static byte[] encode(float[] values, DType dtype) {
        return dtype == DType.F16 ? SafeTensorsWriter.encodeF16(values) : SafeTensorsWriter.encodeF32(values);
    }
}
