package org.bivdiff.io.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * One blob fetched into its {@code .incomplete} file: a transfer cut off is continued with a
 * {@code Range} request from the bytes already there, in this pull or the next one, as
 * {@code huggingface_hub}'s {@code http_get} does; a connection that sends nothing for the stall timeout
 * counts as cut. The finished file is checked against its etag before anything links to it: the
 * sha256 of an LFS file, the git blob hash ({@code sha1("blob <size>\0" + bytes)}) of a plain one.
 *
 * @param client       the Hub
 * @param retries      attempts in a row that may fail without receiving a byte
 * @param retryPause   wait between attempts
 * @param stallTimeout a transfer that receives nothing for this long is cut
 */
record BlobDownload(HubClient client, int retries, Duration retryPause, Duration stallTimeout) {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern GIT_SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final int BUFFER = 1 << 20;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hub-download-watchdog");
        t.setDaemon(true);
        return t;
    });

    /**
     * Downloads {@code meta} into {@code incomplete} (continuing what it holds) and checks it.
     *
     * @throws HubException when the transfer keeps failing (the partial file stays for the next pull) or
     *                      the bytes do not match the etag (the partial file is deleted)
     */
    void fetch(ModelId id, String file, HubClient.FileMetadata meta, Path incomplete, DownloadListener listener)
            throws IOException {
        long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
        if (have > meta.size()) {
            Files.delete(incomplete);
            have = 0;
        }
        listener.started(file, meta.size(), have);
        if (have > 0) {
            listener.progress(file, have, meta.size());
        }
        int left = retries;
        while (have < meta.size()) {
            long before = have;
            try {
                have = transfer(id, file, meta, incomplete, have, listener);
            } catch (HubClient.TransientException e) {
                have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
                left = have > before ? retries : left - 1;
                if (left <= 0) {
                    throw new HubException(id.repoAtRevision() + ": " + file + ": the download failed at " + have + " of "
                            + meta.size() + " bytes (" + e.getMessage() + "); pull again to continue from "
                            + incomplete, e);
                }
                pause();
            }
        }
        verify(id, file, meta, incomplete);
    }

    /** One request from byte {@code from} on; returns the bytes in the file afterwards. */
    private long transfer(ModelId id, String file, HubClient.FileMetadata meta, Path incomplete, long from,
                          DownloadListener listener) throws IOException {
        Files.createDirectories(incomplete.getParent());
        HttpResponse<InputStream> r = client.get(meta.location(), from, id, file);
        // a server that ignores the Range sends the whole file: start over
        long have = from > 0 && r.headers().firstValue("Content-Range").orElse("").startsWith("bytes " + from + "-")
                ? from : 0;
        long start = have;
        AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        AtomicBoolean stalled = new AtomicBoolean();
        long tick = stallTimeout.toMillis() / 4 + 1;
        try (InputStream in = r.body();
             FileChannel out = FileChannel.open(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ScheduledFuture<?> watch = WATCHDOG.scheduleAtFixedRate(() -> {
                if (System.nanoTime() - lastProgress.get() > stallTimeout.toNanos()) {
                    stalled.set(true);
                    closeQuietly(in);
                }
            }, tick, tick, TimeUnit.MILLISECONDS);
            try {
                out.truncate(have);
                out.position(have);
                byte[] buf = new byte[BUFFER];
                int n;
                while ((n = read(in, buf, stalled)) >= 0) {
                    if (have + n > meta.size()) {
                        throw new HubException(id.repoAtRevision() + ": " + file + ": the server sends more than the "
                                + meta.size() + " bytes the Hub announced");
                    }
                    out.write(ByteBuffer.wrap(buf, 0, n));
                    have += n;
                    lastProgress.set(System.nanoTime());
                    listener.progress(file, have, meta.size());
                }
            } finally {
                watch.cancel(false);
            }
        }
        if (have < meta.size()) {
            throw new HubClient.TransientException("the connection ended after " + (have - start) + " bytes");
        }
        return have;
    }

    /** A read from the network; its failures (a cut, a stall) are worth another attempt. */
    private int read(InputStream in, byte[] buf, AtomicBoolean stalled) throws HubClient.TransientException {
        try {
            return in.read(buf);
        } catch (IOException e) {
            throw new HubClient.TransientException(stalled.get() ? "no data for " + stallTimeout.toSeconds() + " s"
                    : "connection cut: " + HubClient.describe(e), e);
        }
    }

    private void verify(ModelId id, String file, HubClient.FileMetadata meta, Path incomplete) throws IOException {
        String etag = meta.etag();
        boolean lfs = SHA256.matcher(etag).matches();
        if (!lfs && !GIT_SHA1.matcher(etag).matches()) {
            return;   // an etag that is no content hash cannot be checked
        }
        MessageDigest d = digest(lfs ? "SHA-256" : "SHA-1");
        if (!lfs) {
            d.update(("blob " + meta.size() + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        try (FileChannel ch = FileChannel.open(incomplete, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(BUFFER);
            while (ch.read(buf) >= 0) {
                buf.flip();
                d.update(buf);
                buf.clear();
            }
        }
        String actual = HexFormat.of().formatHex(d.digest());
        if (!actual.equals(etag)) {
            Files.delete(incomplete);
            throw new HubException(id.repoAtRevision() + ": " + file + ": the downloaded bytes have " + (lfs ? "sha256 "
                    : "git hash ") + actual + " but the Hub's etag is " + etag + "; nothing was linked and the "
                    + "download was deleted: pull again");
        }
    }

    private void pause() throws HubException {
        try {
            Thread.sleep(retryPause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted", e);
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every Java runtime", e);
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // the reading thread sees the stream closed; nothing more to do here
        }
    }
}
