package org.bivdiff.io;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive lock on a folder, so that two processes (or two threads) never write into it at once: a
 * file {@code .bivdiff.lock} in the folder, locked with the operating system's file lock and holding who
 * locked it. The operating system releases the lock when its process dies, however it dies, so a lock left
 * by a dead process is taken over by the next one (which says so: {@link #takenOver()}). The file stays; it
 * is emptied when the lock is released normally.
 */
public final class FolderLock implements AutoCloseable {

    /** The lock file's name inside the folder. */
    public static final String FILE = ".bivdiff.lock";

    /**
     * Lock files held by this process, with the holder text written in them. The OS lock is per process, so
     * threads are told apart here; and a held file is never opened again: on POSIX systems closing any of a
     * process's descriptors of a file releases the process's lock on it.
     */
    private static final Map<Path, String> HELD = new ConcurrentHashMap<>();

    /** The folder is locked by someone else; the message names the folder and the holder. */
    public static final class BusyException extends IOException {

        private static final long serialVersionUID = 1L;
        private final String holder;

        BusyException(Path folder, String holder) {
            super(folder + " is in use by another run (" + holder + ")");
            this.holder = holder;
        }

        /** Who holds the lock: process, host and start time, as written in the lock file. */
        public String holder() {
            return holder;
        }
    }

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private final Optional<String> takenOver;

    private FolderLock(Path key, FileChannel channel, FileLock lock, Optional<String> takenOver) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
        this.takenOver = takenOver;
    }

    /**
     * Locks {@code folder} (created if missing).
     *
     * @throws BusyException naming the holder when another process or thread holds it
     */
    public static synchronized FolderLock acquire(Path folder) throws IOException {
        FileTrees.createFolders(folder);
        Path file = folder.resolve(FILE).toAbsolutePath().normalize();
        if (HELD.containsKey(file)) {
            throw new BusyException(folder, HELD.get(file) + ", in this process");
        }
        HELD.put(file, "a run starting in this process");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new BusyException(folder, holder(read(channel)));
            }
            String previous = read(channel);
            String holder = "process " + ProcessHandle.current().pid() + " on " + hostName() + ", started "
                    + Instant.now();
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            HELD.put(file, holder);
            return new FolderLock(file, channel, lock, previous.isBlank() ? Optional.empty()
                    : Optional.of(previous.strip()));
        } catch (IOException | RuntimeException e) {
            HELD.remove(file);
            if (channel != null) {
                channel.close();
            }
            throw e;
        }
    }

    /**
     * Who holds the lock of {@code folder} now, if anyone, without taking it. A free lock is only probed (locked
     * and released at once), so nothing changes. Synchronised with {@link #acquire}: a file this process holds
     * is never opened a second time, which on POSIX systems would release its lock when closed.
     */
    public static synchronized Optional<String> holder(Path folder) throws IOException {
        Path file = folder.resolve(FILE).toAbsolutePath().normalize();
        if (HELD.containsKey(file)) {
            return Optional.of(HELD.get(file) + ", in this process");
        }
        if (!java.nio.file.Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock probe = channel.tryLock();
            if (probe == null) {
                return Optional.of(holder(read(channel)));
            }
            probe.release();
            return Optional.empty();
        }
    }

    /** The holder a lock left behind by a process that ended without releasing it, if this lock took it over. */
    public Optional<String> takenOver() {
        return takenOver;
    }

    /** Empties the lock file and releases the lock; idempotent. */
    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) {
            return;
        }
        try {
            channel.truncate(0);
            lock.release();
        } finally {
            channel.close();
            HELD.remove(key);
        }
    }

    /** The holder text in the lock file, read through {@code channel} (never through another descriptor). */
    private static String read(FileChannel channel) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(400);
        while (b.hasRemaining() && channel.read(b, b.position()) > 0) {
            // until the buffer is full or the file ends
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    private static String holder(String content) {
        return content.isBlank() ? "a process that has not written its name yet" : content.strip();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this host";
        }
    }
}
