ALTERNATIVE = {
    # trialkit's landmark analysis instead of two CoxPHFitter fits by hand.
    "landmark_answer": (
        "result = tk.landmark_analysis(trial, 13, reference='UC-MSC')\n"
        "hr_before_13, hr_after_13, p_after_13 = result.before.estimate, result.after.estimate, result.after.p"
    ),
    # The fast two-window Wald test instead of CoxTimeVaryingFitter, computed by hand from two
    # CoxPHFitter fits with control as the reference (then turned round).
    "interaction_answer": (
        "L = 13\n"
        "d = pd.DataFrame({'t': trial['os_months'], 'e': trial['death'],\n"
        "                  'msc': (trial['arm'] == 'UC-MSC').astype(int)})\n"
        "fits = [CoxPHFitter().fit(d.assign(e=d['e'].where(d['t'] <= L, 0), t=d['t'].clip(upper=L)), 't', 'e'),\n"
        "        CoxPHFitter().fit(d[d['t'] > L].assign(t=lambda x: x['t'] - L), 't', 'e')]\n"
        "b = [-f.params_['msc'] for f in fits]  # log HR control vs UC-MSC\n"
        "s = [f.standard_errors_['msc'] for f in fits]\n"
        "ratio_hrs_13 = float(np.exp(b[1] - b[0]))\n"
        "p_interaction_13 = float(2 * norm.sf(abs(b[1] - b[0]) / np.hypot(*s)))"
    ),
    "paper_answer": (
        "from trialkit.landmarks import interaction_from_ci\n"
        "\n"
        "rec = interaction_from_ci((0.97, 0.40, 2.32), (3.68, 1.38, 9.85))\n"
        "ratio_paper, p_paper = rec.estimate, rec.p"
    ),
    # The course's forking-paths simulation (one seed per trial) with another seed and size.
    "null_answer": (
        "from trialkit.landmarks import simulate_forking_paths\n"
        "\n"
        "paths = simulate_forking_paths(3000, rng=7, landmarks=CANDIDATES)\n"
        "best = paths.rate('after')\n"
        "fp_best_landmark, mcse_best, n_null_trials = best.rate, best.mcse, best.n_trials\n"
        "fp_fixed_13 = paths.rate('after', landmarks=[13]).rate"
    ),
    # The area under the Kaplan-Meier step function by hand, and a hand-written bootstrap.
    "rmst_answer": (
        "def km_area(t, d, tau=60.0):\n"
        "    area, s, last = 0.0, 1.0, 0.0\n"
        "    for u in np.unique(t[(d == 1) & (t <= tau)]):\n"
        "        area += s * (u - last)\n"
        "        s *= 1 - ((t == u) & (d == 1)).sum() / (t >= u).sum()\n"
        "        last = u\n"
        "    return area + s * (tau - last)\n"
        "\n"
        "\n"
        "arms = {a: (g['os_months'].to_numpy(), g['death'].to_numpy()) for a, g in trial.groupby('arm')}\n"
        "rmst_diff_60 = float(km_area(*arms['UC-MSC']) - km_area(*arms['control']))\n"
        "rng = np.random.default_rng(5)\n"
        "diffs = []\n"
        "for _ in range(1000):\n"
        "    area = {}\n"
        "    for a, (t, d) in arms.items():\n"
        "        i = rng.integers(0, len(t), len(t))\n"
        "        area[a] = km_area(t[i], d[i])\n"
        "    diffs.append(area['UC-MSC'] - area['control'])\n"
        "rmst_ci_60 = tuple(np.quantile(diffs, [0.025, 0.975]))"
    ),
}
