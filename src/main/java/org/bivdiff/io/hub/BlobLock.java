package org.bivdiff.io.hub;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock on a lock file, held while one blob is written, so that two pulls (threads or
 * processes, bivdiff or Python) never write the same blob. {@code huggingface_hub} locks with the
 * {@code filelock} package, which on Unix is {@code flock(2)}; Java's own {@link FileChannel#lock} is a
 * {@code fcntl} record lock on Linux, which {@code flock} does not see. So on Unix the lock is taken
 * with {@code flock} itself (through the foreign-function API); elsewhere with {@link FileChannel#lock}
 * (on Windows both sides use the same system lock). Threads of this process queue on an in-process
 * lock first.
 */
final class BlobLock implements AutoCloseable {

    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
    private static final Flock FLOCK = Flock.load();

    private final ReentrantLock inProcess;
    private final Held held;

    /** A lock taken from the system, released once. */
    private interface Held {
        void release() throws IOException;
    }

    private BlobLock(ReentrantLock inProcess, Held held) {
        this.inProcess = inProcess;
        this.held = held;
    }

    /** Waits for and takes the lock on {@code file}, creating it (and its folder) if needed. */
    static BlobLock acquire(Path file) throws IOException {
        Path path = file.toAbsolutePath().normalize();
        Files.createDirectories(path.getParent());
        try {
            Files.createFile(path);
        } catch (FileAlreadyExistsException e) {
            // another pull made it: it is only a name to lock on
        }
        ReentrantLock local = IN_PROCESS.computeIfAbsent(path, k -> new ReentrantLock());
        local.lock();
        try {
            return new BlobLock(local, FLOCK != null ? FLOCK.lock(path) : channelLock(path));
        } catch (IOException | RuntimeException e) {
            local.unlock();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            held.release();
        } finally {
            inProcess.unlock();
        }
    }

    private static Held channelLock(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE);
        try {
            FileLock lock = ch.lock();
            return () -> {
                lock.release();
                ch.close();
            };
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** {@code open}, {@code flock} and {@code close} of the C library. */
    private record Flock(MethodHandle open, MethodHandle flock, MethodHandle close, StructLayout callState,
                         VarHandle errno) {

        private static final int O_RDWR = 2;
        private static final int LOCK_EX = 2;
        private static final int LOCK_UN = 8;
        private static final int EINTR = 4;

        /** The functions, or null where the C library has no {@code flock} (Windows). */
        static Flock load() {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                if (libc.find("flock").isEmpty() || libc.find("open").isEmpty()) {
                    return null;
                }
                StructLayout state = Linker.Option.captureStateLayout();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                return new Flock(
                        // int open(const char *path, int flags, ...): the mode is the first variadic argument
                        linker.downcallHandle(libc.find("open").get(), FunctionDescriptor.of(JAVA_INT, ADDRESS,
                                JAVA_INT, JAVA_INT), errno, Linker.Option.firstVariadicArg(2)),
                        linker.downcallHandle(libc.find("flock").get(), FunctionDescriptor.of(JAVA_INT, JAVA_INT,
                                JAVA_INT), errno),
                        linker.downcallHandle(libc.find("close").get(), FunctionDescriptor.of(JAVA_INT, JAVA_INT)),
                        state, state.varHandle(MemoryLayout.PathElement.groupElement("errno")));
            } catch (UnsupportedOperationException | IllegalArgumentException | IllegalCallerException e) {
                return null;
            }
        }

        Held lock(Path path) throws IOException {
            int fd;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(callState);
                fd = (int) call(open, state, arena.allocateFrom(path.toString()), O_RDWR, 0);
                if (fd < 0) {
                    throw new IOException(path + ": cannot open the lock file (errno " + errno(state) + ")");
                }
                int r;
                do {
                    r = (int) call(flock, state, fd, LOCK_EX);
                } while (r != 0 && errno(state) == EINTR);
                if (r != 0) {
                    int err = errno(state);
                    call(close, null, fd);
                    throw new IOException(path + ": cannot lock (errno " + err + ")");
                }
            }
            int lockedFd = fd;
            return () -> {
                try (Arena arena = Arena.ofConfined()) {
                    call(flock, arena.allocate(callState), lockedFd, LOCK_UN);
                }
                call(close, null, lockedFd);
            };
        }

        private int errno(MemorySegment state) {
            return (int) errno.get(state, 0L);
        }

        private static Object call(MethodHandle h, MemorySegment state, Object... args) {
            try {
                if (state == null) {
                    return h.invokeWithArguments(args);
                }
                Object[] all = new Object[args.length + 1];
                all[0] = state;
                System.arraycopy(args, 0, all, 1, args.length);
                return h.invokeWithArguments(all);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }
}
