ALTERNATIVE = {
    # By hand: hazards from S(60) = exp(-60 lambda), z rounded to 1.96 and 0.84, the deaths rounded up.
    "design_answer": (
        "lam_control, lam_msc = -np.log(0.60) / 60, -np.log(0.85) / 60\n"
        "hr_design = lam_msc / lam_control\n"
        "z = 1.96 + 0.84\n"
        "events_schoenfeld = 4 * z**2 / np.log(hr_design) ** 2\n"
        "events_freedman = float(np.ceil(z**2 * (1 + hr_design) ** 2 / (1 - hr_design) ** 2))"
    ),
    # Deaths rounded up first, then divided by the average death probability (Freedman: 55, not 54).
    "patients_answer": (
        "import math\n"
        "hr = math.log(0.85) / math.log(0.60)\n"
        "z = norm.ppf(0.975) + norm.ppf(0.80)\n"
        "p_death = 1 - (0.60 + 0.85) / 2\n"
        "n_per_arm_schoenfeld = math.ceil(math.ceil(4 * z**2 / math.log(hr) ** 2) / p_death / 2)\n"
        "n_per_arm_freedman = math.ceil(math.ceil(z**2 * (1 + hr) ** 2 / (1 - hr) ** 2) / p_death / 2)"
    ),
    # A plain numpy loop, another seed, more re-runs, and the published SMDs rounded as printed.
    "rerandomisation_answer": (
        "rng = np.random.default_rng(12345)\n"
        "n_rerandomisations = 12_000\n"
        "x = trial[['tbil', 'meld']].to_numpy()\n"
        "smd_runs = np.empty((n_rerandomisations, 2))\n"
        "for i in range(n_rerandomisations):\n"
        "    coin = rng.integers(0, 2, len(x)).astype(bool)\n"
        "    a, b = x[coin], x[~coin]\n"
        "    smd_runs[i] = (a.mean(axis=0) - b.mean(axis=0)) / np.sqrt((a.var(axis=0, ddof=1)\n"
        "                                                               + b.var(axis=0, ddof=1)) / 2)\n"
        "share_as_large = {'tbil': float(np.mean(np.abs(smd_runs[:, 0]) >= 0.46)),\n"
        "                  'meld': float(np.mean(np.abs(smd_runs[:, 1]) >= 0.27))}"
    ),
    # Permuted blocks drawn one block at a time, the gap followed patient by patient.
    "blocked_answer": (
        "rng = np.random.default_rng(99)\n"
        "max_gap = {}\n"
        "for size in (4, 8):\n"
        "    largest = 0\n"
        "    for _ in range(1000):\n"
        "        blocks = [rng.permutation([1] * (size // 2) + [0] * (size // 2)) for _ in range(219 // size + 1)]\n"
        "        sequence = np.concatenate(blocks)[:219]\n"
        "        n_msc = np.cumsum(sequence)\n"
        "        n_control = np.arange(1, 220) - n_msc\n"
        "        largest = max(largest, int(np.abs(n_msc - n_control).max()))\n"
        "    max_gap[size] = largest"
    ),
    # lifelines directly, control coded 1 (the log HR exponentiated by hand).
    "itt_answer": (
        "data = pd.DataFrame({'t': full['os_months'], 'e': full['death'],\n"
        "                     'control': (full['arm'] == 'control').astype(int)})\n"
        "hr_itt = float(np.exp(CoxPHFitter().fit(data, 't', 'e').params_['control']))"
    ),
    "worst_case_answer": (
        "died = np.where((full['arm'] == 'UC-MSC') & ~full['analysed'], 1, full['death'])\n"
        "data = pd.DataFrame({'t': full['os_months'], 'e': died, 'msc': (full['arm'] == 'UC-MSC').astype(int)})\n"
        "hr_worst = float(1 / CoxPHFitter().fit(data, 't', 'e').hazard_ratios_['msc'])"
    ),
}
