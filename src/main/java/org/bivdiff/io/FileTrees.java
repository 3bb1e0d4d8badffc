package org.bivdiff.io;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * Folder operations the caches and run folders share. Everything made here gets the permissions the user's
 * umask gives: {@link Files#createTempFile} and {@link Files#createTempDirectory} would make 0600 files and
 * 0700 folders, which then keep those modes after they are moved into place.
 */
public final class FileTrees {

    private static final SecureRandom RANDOM = new SecureRandom();

    private FileTrees() {
    }

    /** Deletes {@code folder} and everything under it; nothing happens if it does not exist. */
    public static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * {@link Files#createDirectories}, with a clear error when a file is in the way: Java reports that as
     * {@code FileAlreadyExistsException} naming the file alone; here it is a {@code NotDirectoryException}
     * ("not a folder").
     */
    public static Path createFolders(Path folder) throws IOException {
        try {
            return Files.createDirectories(folder);
        } catch (FileAlreadyExistsException e) {
            throw new NotDirectoryException(e.getFile() == null ? folder.toString() : e.getFile());
        }
    }

    /**
     * A name next to {@code target} for writing it before a rename: {@code .partial-<random>-<name>}, so the
     * extension stays last (writers choose the format from it) and two writers never share a name. Not created.
     */
    public static Path partialSibling(Path target) {
        return target.toAbsolutePath().resolveSibling(".partial-" + randomHex() + "-" + target.getFileName());
    }

    /** A new empty folder {@code .partial-<random>} in {@code parent} (created too), with the umask's mode. */
    public static Path createPartialFolder(Path parent) throws IOException {
        createFolders(parent);
        while (true) {
            try {
                return Files.createDirectory(parent.resolve(".partial-" + randomHex()));
            } catch (FileAlreadyExistsException e) {
                // another name
            }
        }
    }

    private static String randomHex() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
