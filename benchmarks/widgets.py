"""Benchmark: how long each widget takes to update, at the 95th percentile of 200 updates.

An update is what follows a student's move of a control: the computation and the new figure
(the time between setting the control's value and the widget's outputs being replaced). The
moves are random over the controls' whole ranges, so cached and uncached values both count.
The threshold at which an interface feels instant is about 100 ms. Prints `<widget>_p95_ms`, and
`<widget>_static_create_s`: the time to make the static form the book builds (every position
precomputed, with the lessons' arguments).

Run: .venv/bin/python benchmarks/widgets.py
"""

import time

import numpy as np

from trialkit import widgets

N_UPDATES = 200


def p95_ms(widget, moves):
    times = []
    for move in moves:
        start = time.perf_counter()
        move(widget)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.percentile(times, 95))


def setter(name, value):
    def move(widget):
        widget.controls[name].value = value
    return move


def main():
    rng = np.random.default_rng(2021)
    # Landmark explorer: random months over the whole slider (1-48), as a student drags it about.
    months = rng.integers(1, 49, N_UPDATES)
    moves = [setter("landmark", int(m)) for m in months]
    print(f"landmark_explorer_p95_ms: {p95_ms(widgets.landmark_explorer(static=False), moves):.0f}")

    # Sample size: any of its six sliders, to a random value in its range (alpha and power move the
    # y range, which redraws the whole figure).
    w = widgets.sample_size_explorer(static=False)
    names = rng.choice(list(w.controls), N_UPDATES)
    moves = [setter(str(n), float(np.round(rng.uniform(w.controls[n].min, w.controls[n].max), 2))) for n in names]
    print(f"sample_size_explorer_p95_ms: {p95_ms(w, moves):.0f}")

    # Randomisation: the scheme or the trial size (20-1000 patients), chosen at random.
    schemes = rng.choice(["simple", "blocked", "stratified"], N_UPDATES)
    sizes = rng.integers(20, 1001, N_UPDATES)
    moves = [setter("scheme", str(s)) if rng.random() < 0.5 else setter("n_patients", int(n))
             for s, n in zip(schemes, sizes, strict=True)]
    print(f"randomization_explorer_p95_ms: {p95_ms(widgets.randomization_explorer(rng=2021, static=False), moves):.0f}")

    # Immortal time: every threshold week is computed when the widget is made (timed here too).
    start = time.perf_counter()
    w = widgets.immortal_time_explorer(rng=98, static=False)  # trialkit.cohort.COHORT_SEED
    print(f"immortal_time_explorer_create_s: {time.perf_counter() - start:.1f}")
    weeks = rng.integers(1, 13, N_UPDATES)
    print(f"immortal_time_explorer_p95_ms: {p95_ms(w, [setter('week', int(week)) for week in weeks]):.0f}")

    # Re-run: one click draws one new trial (the default batch is 5; per trial here).
    rerun = widgets.rerun_trial_explorer(batch=1, rng=1, static=False)
    print(f"rerun_trial_explorer_p95_ms: {p95_ms(rerun, [lambda w: w.button.click()] * N_UPDATES):.0f}")

    # The static forms the book builds (every position precomputed), with the lessons' arguments.
    static = {"sample_size_explorer": lambda: widgets.sample_size_explorer(static=True),
              "randomization_explorer": lambda: widgets.randomization_explorer(rng=2021, static=True),
              "rerun_trial_explorer": lambda: widgets.rerun_trial_explorer(batch=20, rng=1, static=True),
              "landmark_explorer": lambda: widgets.landmark_explorer(static=True),
              "immortal_time_explorer": lambda: widgets.immortal_time_explorer(rng=98, static=True)}
    for name, make in static.items():
        start = time.perf_counter()
        w = make()
        print(f"{name}_static_create_s: {time.perf_counter() - start:.1f} ({w.positions} positions, {w.frames} frames)")


if __name__ == "__main__":
    main()
