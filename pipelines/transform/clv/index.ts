/**
 * Customer-lifetime-value models: BG/NBD purchase counts, Gamma-Gamma spend, and the per-customer summaries they
 * are fitted on. See each module for the model equations and their sources.
 */
export {
  bgNbdLogLikelihood,
  bgNbdLogLikelihoodOne,
  expectedTransactions,
  expectedTransactionsNew,
  fitBgNbd,
  probabilityAlive,
  type BgNbdFit,
  type BgNbdParams,
  type CustomerSummary,
  type FitBgNbdOptions,
} from "./bg-nbd.js";
export {
  conditionalExpectedAverageProfit,
  customerLifetimeValue,
  expectedSpend,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  gammaGammaLogLikelihoodOne,
  type ExpectedSpendOptions,
  type FitGammaGammaOptions,
  type GammaGammaFit,
  type GammaGammaParams,
  type SpendSummary,
} from "./gamma-gamma.js";
export { minimise, nelderMead, type MinimiseResult, type NelderMeadOptions } from "./nelder-mead.js";
export { hyp2f1, lgamma, logHyp2f1, type Hyp2f1Options } from "./special-functions.js";
export { summariseTransactions, type CustomerRfm, type SummariseOptions, type Transaction } from "./summaries.js";
export {
  diagnoseBgNbd,
  diagnoseGammaGamma,
  FIT_CHECKS,
  type BgNbdDiagnostics,
  type FitVerdict,
  type GammaGammaDiagnostics,
} from "./diagnostics.js";
