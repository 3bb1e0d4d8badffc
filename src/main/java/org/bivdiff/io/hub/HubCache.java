package org.bivdiff.io.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;

/**
 * The Hugging Face cache folder as {@code huggingface_hub} lays it out ({@code file_download.py}), so
 * that Python tools and bivdiff share it:
 * <pre>
 * &lt;cache&gt;/models--ORG--NAME/blobs/&lt;etag&gt;                     the files, named by their etag
 *                            refs/&lt;revision&gt;                  the commit hash a branch or tag was at
 *                            snapshots/&lt;commit&gt;/&lt;path&gt;        relative links to ../../blobs/&lt;etag&gt;
 * &lt;cache&gt;/.locks/models--ORG--NAME/&lt;etag&gt;.lock               held while a blob is written
 * </pre>
 * Reading needs no network: a revision resolves through {@code refs/} to a snapshot folder.
 */
public final class HubCache {

    private static final String CACHEDIR_TAG = """
            Signature: 8a477f597d28d172789f06886806bc55
            # This file is a cache directory tag created by huggingface_hub (or a tool sharing its cache).
            # For information about cache directory tags, see https://bford.info/cachedir/
            """;

    private final Path root;

    public HubCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The cache folder. */
    public Path root() {
        return root;
    }

    /** {@code models--ORG--NAME}. */
    public Path repoFolder(ModelId id) {
        return root.resolve(id.folderName());
    }

    /** The blob of etag {@code etag}. */
    Path blob(ModelId id, String etag) {
        return repoFolder(id).resolve("blobs").resolve(etag);
    }

    /** The lock file guarding the writing of blob {@code etag}. */
    Path lock(ModelId id, String etag) {
        return root.resolve(".locks").resolve(id.folderName()).resolve(etag + ".lock");
    }

    /** The snapshot folder of {@code commit}. */
    public Path snapshot(ModelId id, String commit) {
        return repoFolder(id).resolve("snapshots").resolve(commit);
    }

    /**
     * The commit {@code id}'s revision is at in the cache: the revision itself if it is a commit hash,
     * else what {@code refs/<revision>} says.
     */
    public Optional<String> commit(ModelId id) throws IOException {
        if (ModelId.isCommit(id.revision())) {
            return Optional.of(id.revision());
        }
        Path ref = repoFolder(id).resolve("refs").resolve(id.revision());
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
        if (!ModelId.isCommit(commit)) {
            throw new HubException(ref + ": holds '" + commit + "', not a commit hash");
        }
        return Optional.of(commit);
    }

    /**
     * The folder {@code id} names in the cache ({@code snapshots/<commit>/<subfolder>}), if its revision is
     * known there and the folder exists. No request is made.
     */
    public Optional<Path> find(ModelId id) throws IOException {
        Optional<String> commit = commit(id);
        if (commit.isEmpty()) {
            return Optional.empty();
        }
        Path snapshot = snapshot(id, commit.get());
        Path folder = id.subfolder().isEmpty() ? snapshot : snapshot.resolve(id.subfolder());
        return Files.isDirectory(folder) ? Optional.of(folder) : Optional.empty();
    }

    /** Records that {@code id}'s revision is at {@code commit}: written to a temporary file, then renamed. */
    void writeRef(ModelId id, String commit) throws IOException {
        if (id.revision().equals(commit)) {
            return;
        }
        Path ref = repoFolder(id).resolve("refs").resolve(id.revision());
        if (Files.isRegularFile(ref) && Files.readString(ref, StandardCharsets.UTF_8).equals(commit)) {
            return;
        }
        Files.createDirectories(ref.getParent());
        Path tmp = ref.resolveSibling(ref.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        moveAtomically(tmp, ref);
    }

    /**
     * Links {@code snapshots/<commit>/<file>} to the blob, relatively ({@code ../../blobs/<etag>}, one
     * {@code ..} more per folder level), so the cache can be moved. A link that a concurrent pull made to
     * the same blob is kept.
     */
    void link(Path pointer, Path blob) throws IOException {
        Files.createDirectories(pointer.getParent());
        Path target = pointer.getParent().relativize(blob);
        try {
            Files.createSymbolicLink(pointer, target);
        } catch (FileAlreadyExistsException e) {
            if (Files.exists(pointer) && pointer.toRealPath().equals(blob.toRealPath())) {
                return;
            }
            Files.delete(pointer);   // a stale or dangling link: point it at this blob
            Files.createSymbolicLink(pointer, target);
        }
    }

    /** Writes {@code CACHEDIR.TAG}, so that backup tools skip the cache, unless it is there. */
    void tag() {
        Path tag = root.resolve("CACHEDIR.TAG");
        if (!Files.exists(tag)) {
            try {
                Files.createDirectories(root);
                Files.writeString(tag, CACHEDIR_TAG, StandardCharsets.UTF_8);
            } catch (IOException e) {
                // a read-only cache still serves; the tag only helps backup tools
            }
        }
    }

    /**
     * {@code path}, a file path the Hub listed, if it stays inside the snapshot folder: relative, no
     * empty, {@code .} or {@code ..} part, no backslash or NUL (as {@code _validate_relative_filename}).
     *
     * @throws HubException naming the repository and the path
     */
    static String requireRelative(String path, ModelId id) throws HubException {
        boolean bad = path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.indexOf('\0') >= 0;
        for (String part : path.split("/", -1)) {
            bad |= part.isEmpty() || part.equals(".") || part.equals("..");
        }
        if (bad) {
            throw new HubException(id.repo() + ": the Hub lists a file '" + path + "' that would leave the snapshot "
                    + "folder; refusing it");
        }
        return path;
    }

    /** Renames {@code from} to {@code to}, replacing it, atomically where the file system can. */
    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
