package org.bivdiff.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;

/**
 * Messages for I/O failures that say both the path and the reason. Java's file-system exceptions often carry
 * only the path ({@code NoSuchFileException: /tmp/x/y}), which tells a user where but not what went wrong.
 */
public final class IoErrors {

    private IoErrors() {
    }

    /**
     * {@code "<path>: <reason>"} for a file-system failure ({@code "<path> -> <other>: <reason>"} for a move or
     * copy), the exception's own message otherwise, its class name when it has none.
     */
    public static String describe(IOException e) {
        if (e instanceof FileSystemException f) {
            String where = f.getFile() == null ? "" : f.getFile() + (f.getOtherFile() == null ? "" : " -> "
                    + f.getOtherFile()) + ": ";
            return where + (f.getReason() != null ? f.getReason() : reason(f));
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static String reason(FileSystemException f) {
        return switch (f) {
            case NoSuchFileException x -> "no such file or folder";
            case AccessDeniedException x -> "permission denied";
            case FileAlreadyExistsException x -> "already exists (a file is in the way?)";
            case NotDirectoryException x -> "not a folder";
            case DirectoryNotEmptyException x -> "folder not empty";
            case FileSystemLoopException x -> "symbolic links form a loop";
            case NotLinkException x -> "not a symbolic link";
            default -> f.getClass().getSimpleName();
        };
    }
}
