// Package eval scores a clustering against reference labels and writes run reports.
//
// It implements the three scores used by the deep-clustering literature:
//
//   - ACC: the fraction of points whose cluster, mapped to a class by the best one-to-one
//     cluster→class assignment (Hungarian algorithm on the contingency table), equals their class;
//   - NMI: normalised mutual information with arithmetic normalisation,
//     I(U;V) / ((H(U)+H(V))/2), as scikit-learn computes it by default;
//   - ARI: the adjusted Rand index of Hubert and Arabie.
//
// It also summarises scores over several runs ("mean (std)" as in papers' tables), reads label
// columns from CSV files, and writes JSON/Markdown reports and PNG plots (confusion heat map,
// per-epoch curves). The package is plain Go on slices.
package eval
