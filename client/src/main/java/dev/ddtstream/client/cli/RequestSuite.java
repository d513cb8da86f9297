package dev.ddtstream.client.cli;

import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.SamplingParams;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/** A fixed, seeded suite of GENERATE, EDIT and CAPTION requests for the demo. */
final class RequestSuite {

    private static final String[] COLOURS = {"red", "green", "blue", "yellow", "purple", "orange"};
    private static final Color[] PAINT = {Color.RED, Color.GREEN, Color.BLUE, Color.YELLOW, new Color(128, 0, 128), Color.ORANGE};
    private static final String[] SHAPES = {"circle", "square", "triangle"};

    private RequestSuite() {
    }

    /** {@code n} requests cycling GENERATE, EDIT, CAPTION. */
    static List<GenerationRequest> mixed(int n, long seed) {
        Random random = new Random(seed);
        List<GenerationRequest> suite = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            int colour = random.nextInt(COLOURS.length);
            String shape = SHAPES[random.nextInt(SHAPES.length)];
            RequestKind kind = RequestKind.values()[i % RequestKind.values().length];
            GenerationRequest.Builder request = GenerationRequest.newBuilder()
                    .setRequestId("demo-" + seed + "-" + i)
                    .setKind(kind)
                    .setSeed(seed + i)
                    .setCreatedAtMs(now)
                    .setDeadlineMs(now + 600_000)
                    .setSampling(SamplingParams.newBuilder().setTemperature(1.0f).setCfgScale(3.0f).build());
            switch (kind) {
                case GENERATE -> request.setPrompt("a " + COLOURS[colour] + " " + shape);
                case EDIT -> request.setPrompt("make the " + shape + " " + COLOURS[(colour + 1) % COLOURS.length])
                        .setImage(ByteBuffer.wrap(png(PAINT[colour])));
                case CAPTION -> request.setImage(ByteBuffer.wrap(png(PAINT[colour])));
            }
            suite.add(request.build());
        }
        return suite;
    }

    private static byte[] png(Color colour) {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 32, 32);
        g.setColor(colour);
        g.fillRect(8, 8, 16, 16);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
