ALTERNATIVE = {
    # The helper library's table instead of fitting by hand.
    "naive_answer": "hr_naive = duration_hazard_ratios(cohort, analyses=['naive']).loc['naive', 'estimate']",
    # Plain pandas: 4 weeks per prolonged patient (all of them are alive at week 4), and a crosstab.
    "immortal_answer": (
        "immortal_weeks = 4 * int(cohort['prolonged'].sum())\n"
        "died_early = cohort[(cohort['death'] == 1) & (cohort['time'] < 4)]\n"
        "counts = died_early['prolonged'].value_counts()\n"
        "early_deaths = {'prolonged': int(counts.get(1, 0)), 'standard': int(counts.get(0, 0))}"
    ),
    # Landmark by hand, timed from week 0 (a common shift does not change a Cox model), and
    # diagnosis as a 0/1 covariate instead of strata.
    "landmark_answer": (
        "alive = cohort[cohort['time'] > 4]\n"
        "alive = alive.assign(liver_failure=(alive['group'] == 'liver failure').astype(int))\n"
        "fit = CoxPHFitter().fit(alive[['time', 'death', 'prolonged', 'liver_failure']], 'time', 'death')\n"
        "hr_landmark = fit.summary.loc['prolonged', 'exp(coef)']"
    ),
    # Counting-process rows built with pandas, fitted with CoxPHFitter and delayed entry.
    "time_varying_answer": (
        "p = cohort[cohort['prolonged'] == 1]\n"
        "rows = pd.concat([\n"
        "    cohort[cohort['prolonged'] == 0].assign(start=0.0, stop=lambda d: d['time'], now=0),\n"
        "    p.assign(start=0.0, stop=4.0, now=0, death=0),\n"
        "    p.assign(start=4.0, stop=lambda d: d['time'], now=1),\n"
        "])\n"
        "fit = CoxPHFitter().fit(rows[['start', 'stop', 'death', 'now', 'group']], duration_col='stop',\n"
        "                        event_col='death', entry_col='start', strata=['group'])\n"
        "hr_time_varying = float(np.exp(fit.params_['now']))"
    ),
    "confounding_answer": (
        "confounded = simulate_cohort(rng=2021, n_liver_failure=640, n_cirrhosis=590, confounding=1.0)\n"
        "hr_landmark_confounded = duration_hazard_ratios(confounded, analyses='landmark')['estimate'].iloc[0]\n"
        "meld = confounded['meld']\n"
        "standardised = confounded.assign(meld=(meld - meld.mean()) / meld.std())\n"
        "table = duration_hazard_ratios(standardised, covariates=['meld'], analyses='landmark')\n"
        "hr_landmark_meld = table['estimate'].iloc[0]"
    ),
    # CoxTimeVaryingFitter on one (0, days] row per patient.
    "heart_naive_answer": (
        "last = heart.sort_values('stop').groupby('id').tail(1)\n"
        "ever = heart.groupby('id')['transplant'].max()\n"
        "rows = pd.DataFrame({'id': last['id'].to_numpy(), 'start': 0.0, 'stop': last['stop'].to_numpy(),\n"
        "                     'event': last['event'].to_numpy(), 'ever': ever.loc[last['id']].to_numpy()})\n"
        "fit = CoxTimeVaryingFitter().fit(rows, id_col='id', start_col='start', stop_col='stop', event_col='event')\n"
        "hr_heart_naive = float(fit.hazard_ratios_['ever'])"
    ),
    "heart_time_varying_answer": (
        "fit = CoxPHFitter().fit(heart[['start', 'stop', 'event', 'transplant']], duration_col='stop',\n"
        "                        event_col='event', entry_col='start')\n"
        "hr_heart_time_varying = float(fit.hazard_ratios_['transplant'])"
    ),
    # The Clopper-Pearson limits from the beta distribution (the upper limit is 1 when all survive).
    "exact_ci_answer": (
        "from scipy.stats import beta\n"
        "k, n = 8, 8\n"
        "ci_8_of_8 = (beta.ppf(0.025, k, n - k + 1), 1.0 if k == n else beta.ppf(0.975, k + 1, n - k))"
    ),
}
