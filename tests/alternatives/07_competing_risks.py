ALTERNATIVE = {
    # lifelines' AalenJohansenFitter called directly, read with .predict (a step
    # of the curve), instead of trialkit's wrappers.
    "aj_answer": (
        "aj_60 = {}\n"
        "for code, cause in CAUSES.items():\n"
        "    aj_60[cause] = {}\n"
        "    for arm, part in trial.groupby('arm'):\n"
        "        ajf = AalenJohansenFitter().fit(part['hcc_months'], part['hcc_status'],\n"
        "                                        event_of_interest=code)\n"
        "        aj_60[cause][arm] = ajf.predict(60)"
    ),
    # trialkit's Kaplan-Meier by arm on 0/1 event columns, read with
    # survival_function_at_times.
    "km_answer": (
        "km_60 = {}\n"
        "for code, cause in CAUSES.items():\n"
        "    marked = trial.assign(event=(trial['hcc_status'] == code).astype(int))\n"
        "    curves = tk.km_by_arm(marked, time='hcc_months', event='event')\n"
        "    km_60[cause] = {arm: 1 - kmf.survival_function_at_times(60).iloc[0]\n"
        "                    for arm, kmf in curves.items()}"
    ),
    # The product-limit estimate by hand with pandas.
    "event_free_answer": (
        "event_free_60 = {}\n"
        "for arm, part in trial.groupby('arm'):\n"
        "    s = 1.0\n"
        "    events = part[(part['hcc_status'] > 0) & (part['hcc_months'] <= 60)]\n"
        "    for t, n_events in events.groupby('hcc_months').size().items():\n"
        "        s *= 1 - n_events / (part['hcc_months'] >= t).sum()\n"
        "    event_free_60[arm] = s"
    ),
    # Vectorised with pandas: counts per distinct time, a cumulative product for
    # S(t-), and a cumulative sum for the incidence.
    "by_hand_answer": (
        "def aalen_johansen_at(months, status, cause, at):\n"
        "    d = pd.DataFrame({'t': np.asarray(months, float), 's': np.asarray(status)})\n"
        "    n = len(d)\n"
        "    per_time = d.groupby('t')['s'].agg(\n"
        "        left='size', any=lambda s: (s > 0).sum(), cause=lambda s: (s == cause).sum())\n"
        "    at_risk = n - per_time['left'].cumsum().shift(fill_value=0)\n"
        "    surv_after = (1 - per_time['any'] / at_risk).cumprod()\n"
        "    surv_before = surv_after.shift(fill_value=1.0)\n"
        "    steps = surv_before * per_time['cause'] / at_risk\n"
        "    return float(steps[steps.index <= at].sum())"
    ),
    # CoxPHFitter directly with UC-MSC coded 1, then turned round.
    "cause_specific_answer": (
        "hrs = {}\n"
        "for code in (1, 2):\n"
        "    data = pd.DataFrame({'months': trial['hcc_months'],\n"
        "                         'event': (trial['hcc_status'] == code).astype(int),\n"
        "                         'msc': (trial['arm'] == 'UC-MSC').astype(int)})\n"
        "    fit = CoxPHFitter().fit(data, duration_col='months', event_col='event')\n"
        "    hrs[code] = 1 / fit.hazard_ratios_['msc']\n"
        "hr_hcc, hr_death = hrs[1], hrs[2]"
    ),
}
