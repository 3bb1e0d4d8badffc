package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files and folders we make get the user's umask; folder locks; I/O errors with path and reason. */
class FileModesTest {

    @TempDir
    Path dir;

    /** The mode a plain new file (or folder) gets in {@code dir}: what the umask gives. */
    private String umaskMode(boolean folder) throws Exception {
        Path probe = folder ? Files.createDirectory(dir.resolve("probe-dir")) : Files.createFile(dir.resolve("probe"));
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(probe));
    }

    @Test
    void writtenFilesAndStagingFoldersGetTheUmasksMode() throws Exception {
        Path st = dir.resolve("w.safetensors");
        SafeTensorsWriter.write(st, List.of(SafeTensorsWriter.Entry.f32("w", new long[] {1}, new float[] {1})), Map.of());
        assertEquals(umaskMode(false), PosixFilePermissions.toString(Files.getPosixFilePermissions(st)));
        Path staging = FileTrees.createPartialFolder(dir.resolve("cache"));
        assertEquals(umaskMode(true), PosixFilePermissions.toString(Files.getPosixFilePermissions(staging)));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".partial-")), "no temporary left");
        }
    }

    @Test
    void ioErrorsSayPathAndReason() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        var e = assertThrows(NotDirectoryException.class, () -> FileTrees.createFolders(file));
        assertEquals(file + ": not a folder", IoErrors.describe(e));
        var under = assertThrows(java.nio.file.FileSystemException.class,
                () -> FileTrees.createFolders(file.resolve("sub")));
        assertEquals(file.resolve("sub") + ": Not a directory", IoErrors.describe(under));
        var missing = assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(dir.resolve("nowhere")));
        assertEquals(dir.resolve("nowhere") + ": no such file or folder", IoErrors.describe(missing));
    }

    @Test
    void aFolderLockIsExclusiveNamesItsHolderAndIsFreeAfterwards() throws Exception {
        Path folder = dir.resolve("run");
        try (FolderLock lock = FolderLock.acquire(folder)) {
            assertTrue(lock.takenOver().isEmpty());
            var busy = assertThrows(FolderLock.BusyException.class, () -> FolderLock.acquire(folder));
            assertTrue(busy.holder().startsWith("process " + ProcessHandle.current().pid() + " on "), busy.holder());
            assertTrue(FolderLock.holder(folder).orElseThrow().endsWith(", in this process"));
        }
        assertTrue(FolderLock.holder(folder).isEmpty());
        try (FolderLock again = FolderLock.acquire(folder)) {
            assertTrue(again.takenOver().isEmpty(), "a lock released normally is not a stale one");
        }
    }
}
