package dev.ddtstream.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The noise levels and Euler step shares of the sampler, against values worked by hand. */
class SamplerScheduleTest {

    @Test
    void shiftOneIsThePlainScheduleWhoseStepKeepsTNextOverT() {
        SamplerSchedule plain = new SamplerSchedule(16, 1.0);
        assertEquals(0.3, plain.noiseLevel(0.3), 1e-12);
        assertEquals(15 / 16.0, plain.keep(16, 16), 1e-12);
        assertEquals(0.0, plain.keep(1, 16), 1e-12);
    }

    @Test
    void aShiftBelowOneKeepsMoreOfTheImageAtIntermediateTimesteps() {
        SamplerSchedule s = new SamplerSchedule(4, 0.25);
        // s(0.5) = 0.125 / (1 - 0.375) = 0.2; s(0.75) = 0.1875 / 0.4375 = 3/7
        assertEquals(0.2, s.noiseLevel(0.5), 1e-12);
        assertEquals(1.0, s.noiseLevel(1.0), 1e-12);
        assertEquals(0.0, s.noiseLevel(0.0), 1e-12);
        assertEquals(0.2 / (3 / 7.0), s.keep(3, 4), 1e-12);
        assertTrue(s.noiseLevel(0.5) < 0.5);
    }

    @Test
    void refusesNoStepsAndNonPositiveShifts() {
        assertThrows(IllegalArgumentException.class, () -> new SamplerSchedule(0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new SamplerSchedule(4, 0.0));
        assertThrows(IllegalArgumentException.class, () -> new SamplerSchedule(4, Double.NaN));
    }
}
