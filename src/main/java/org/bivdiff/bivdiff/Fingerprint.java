package org.bivdiff.bivdiff;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

import org.bivdiff.tensor.Tensor;

/**
 * A SHA-256 digest of everything a stage result depends on (parameters, model folders, input
 * tensors), so that a stored result is reused only by a run that would compute the same thing.
 */
public final class Fingerprint {

    private Fingerprint() {
    }

    /** The digest of {@code parts}: tensors by shape and bytes, paths by absolute name, the rest by {@code toString}. */
    public static String of(Object... parts) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
        for (Object p : parts) {
            switch (p) {
                case null -> d.update((byte) 0);
                case Tensor t -> {
                    d.update(Arrays.toString(t.shape()).getBytes(StandardCharsets.UTF_8));
                    ByteBuffer b = ByteBuffer.allocate(t.numel() * 4);
                    b.asFloatBuffer().put(t.data());
                    d.update(b.array());
                }
                case Path path -> d.update(path.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
                default -> d.update(String.valueOf(p).getBytes(StandardCharsets.UTF_8));
            }
            d.update((byte) 0x1f);   // separator: ("ab", "c") differs from ("a", "bc")
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
