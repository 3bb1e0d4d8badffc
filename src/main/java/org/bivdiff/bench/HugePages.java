package org.bivdiff.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Whether the networks' memory came in transparent huge pages, which a benchmark's figures depend on: ONNX
 * Runtime allocates weights and activations with glibc's malloc, and under the kernel's common THP mode,
 * {@code madvise}, only memory that asks gets huge pages; glibc's malloc asks when {@code GLIBC_TUNABLES} holds
 * {@code glibc.malloc.hugetlb=1} (which {@code bin/bivdiff} sets). Without them a 3 GB session faults in 4 KiB at
 * a time: on a 2-core VM the UNet3D's session took 41 s to create instead of 17.
 *
 * @param kernelMode {@code always}, {@code madvise} or {@code never} from
 *                   {@code /sys/kernel/mm/transparent_hugepage/enabled}, or {@code unknown}
 * @param mallocAsks whether glibc's malloc is told to ask for them
 */
public record HugePages(String kernelMode, boolean mallocAsks) {

    private static final Path SYSFS = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    /** This process's setting. */
    public static HugePages current() {
        String sysfs;
        try {
            sysfs = Files.readString(SYSFS);
        } catch (IOException | SecurityException e) {
            sysfs = "";
        }
        return of(sysfs, System.getenv("GLIBC_TUNABLES"));
    }

    /**
     * From the text of the sysfs file ({@code always [madvise] never}, the bracketed word being the mode) and
     * the value of {@code GLIBC_TUNABLES} (null when unset).
     */
    public static HugePages of(String sysfs, String tunables) {
        String mode = Arrays.stream(sysfs.trim().split("\\s+"))
                .filter(w -> w.length() > 2 && w.startsWith("[") && w.endsWith("]"))
                .map(w -> w.substring(1, w.length() - 1))
                .findFirst().orElse("unknown");
        boolean asks = tunables != null && Arrays.stream(tunables.split(":"))
                .anyMatch(t -> t.equals("glibc.malloc.hugetlb=1") || t.equals("glibc.malloc.hugetlb=2"));
        return new HugePages(mode, asks);
    }

    /** Whether malloc's large blocks get huge pages. */
    public boolean on() {
        return kernelMode.equals("always") || (kernelMode.equals("madvise") && mallocAsks);
    }

    /** e.g. {@code huge pages on (THP madvise, malloc asks)}. */
    public String describe() {
        return "huge pages " + (on() ? "on" : "off") + " (THP " + kernelMode + ", malloc "
                + (mallocAsks ? "asks" : "does not ask: GLIBC_TUNABLES=glibc.malloc.hugetlb=1 is unset") + ")";
    }
}
