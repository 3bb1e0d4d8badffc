package org.bivdiff.media;

import java.nio.file.Path;

/**
 * What a clip is before it is decoded.
 *
 * @param source     the video file or image folder
 * @param width      frame width in pixels
 * @param height     frame height in pixels
 * @param frameCount number of frames (video packets of the first video stream; files in a folder)
 * @param fps        frames per second as the container states it (0 when unknown, e.g. a folder)
 */
public record VideoInfo(Path source, int width, int height, int frameCount, double fps) {
}
