package org.bivdiff.io.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the cache holds, per model repository and snapshot, read from the folders alone: for {@code bivdiff
 * models list}, like {@code hf cache scan}. A snapshot's size counts each blob it links once; a
 * repository's size is its blobs on disk, which snapshots share.
 */
public final class CacheListing {

    /**
     * One snapshot.
     *
     * @param commit the commit hash
     * @param refs   the branches and tags that point at it (empty for a snapshot pulled by commit)
     * @param files  files linked in it
     * @param bytes  their total size
     */
    public record Snapshot(String commit, List<String> refs, int files, long bytes) {
    }

    /**
     * One repository.
     *
     * @param repo       {@code ORG/NAME}
     * @param folder     its {@code models--ORG--NAME} folder
     * @param snapshots  its snapshots, by commit
     * @param bytes      its blobs on disk
     * @param unfinished bytes in {@code .incomplete} downloads, which the next pull continues
     */
    public record Repo(String repo, Path folder, List<Snapshot> snapshots, long bytes, long unfinished) {
    }

    private CacheListing() {
    }

    /** The model repositories in {@code cache}, sorted by id; empty if the folder does not exist. */
    public static List<Repo> scan(HubCache cache) throws IOException {
        List<Repo> out = new ArrayList<>();
        if (!Files.isDirectory(cache.root())) {
            return out;
        }
        try (Stream<Path> s = Files.list(cache.root())) {
            for (Path folder : s.filter(p -> p.getFileName().toString().startsWith("models--")).sorted().toList()) {
                out.add(repo(folder));
            }
        }
        return out;
    }

    private static Repo repo(Path folder) throws IOException {
        String repo = folder.getFileName().toString().substring("models--".length()).replace("--", "/");
        Map<String, List<String>> refs = refs(folder.resolve("refs"));
        List<Snapshot> snapshots = new ArrayList<>();
        Path snapshotsFolder = folder.resolve("snapshots");
        if (Files.isDirectory(snapshotsFolder)) {
            try (Stream<Path> s = Files.list(snapshotsFolder)) {
                for (Path snap : s.filter(Files::isDirectory).sorted().toList()) {
                    String commit = snap.getFileName().toString();
                    snapshots.add(snapshot(snap, refs.getOrDefault(commit, List.of())));
                }
            }
        }
        long bytes = 0;
        long unfinished = 0;
        Path blobs = folder.resolve("blobs");
        if (Files.isDirectory(blobs)) {
            try (Stream<Path> s = Files.list(blobs)) {
                for (Path b : s.filter(Files::isRegularFile).toList()) {
                    if (b.getFileName().toString().endsWith(".incomplete")) {
                        unfinished += Files.size(b);
                    } else {
                        bytes += Files.size(b);
                    }
                }
            }
        }
        return new Repo(repo, folder, snapshots, bytes, unfinished);
    }

    /** Commit hash to the names of the refs at it ({@code main}, {@code refs/pr/1}). */
    private static Map<String, List<String>> refs(Path refs) throws IOException {
        Map<String, List<String>> byCommit = new TreeMap<>();
        if (!Files.isDirectory(refs)) {
            return byCommit;
        }
        try (Stream<Path> s = Files.walk(refs)) {
            for (Path r : s.filter(Files::isRegularFile).sorted().toList()) {
                String name = refs.relativize(r).toString().replace('\\', '/');
                if (!name.endsWith(".tmp")) {
                    byCommit.computeIfAbsent(Files.readString(r, StandardCharsets.UTF_8).strip(), k -> new ArrayList<>())
                            .add(name);
                }
            }
        }
        return byCommit;
    }

    private static Snapshot snapshot(Path snap, List<String> refs) throws IOException {
        Set<Path> blobs = new HashSet<>();
        int files = 0;
        long bytes = 0;
        try (Stream<Path> s = Files.walk(snap)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                files++;
                if (blobs.add(f.toRealPath())) {
                    bytes += Files.size(f);
                }
            }
        }
        return new Snapshot(snap.getFileName().toString(), List.copyOf(refs), files, bytes);
    }
}
