#!/usr/bin/env Rscript
# gen_indicators_ttr.R: writes tests/golden/ttr_{trend,momentum,volatility,volume,stats}.csv, the
# reference values tests/test_indicators.c checks src/features against (1e-9 relative), computed
# with Debian's r-cran-ttr on its bundled real data `ttrc` (the same rows as ttrc_ohlcv.csv, checked
# below). Run from the repository root: Rscript tests/golden/gen_indicators_ttr.R
#
# Each column is named by our spec label ("macd(12,26,9).signal"); the test parses the header with
# the spec parser, so a renamed parameter or output fails loudly. Column `i` is the 0-based row.
# Rows kept: the first 80 (warm-ups), every 25th, and the last 30: small files, same checks.
# Where our convention differs from TTR's default (docs/FEATURES.md), the R below computes ours
# from TTR's building blocks and says so:
#  - MACD/PPO histogram: macd - signal (TTR returns no histogram); MACD with percent = FALSE.
#  - TRIX signal: EMA(trix, nSig) (TRIX() in TTR 0.24 smooths the signal with n, not nSig).
#  - ROC discrete; volatility N = 252 (TTR's default 260).
#  - SAR: the C routine called with the first bar's range as the initial gap (TTR's SAR() uses the
#    whole sample's sd of high - low, which a stream cannot know).
#  - Bollinger bands on the close, with bandwidth (up - dn) / mavg added.
#  - MFI: fed the typical price of the exact decimal sum (round((H + L + C) 1e6) / 3e6): MFI(HLC)
#    compares apply(HLC, 1, mean) values, whose rounding splits exact ties (4.70 + 4.62 + 4.70 vs
#    4.71 + 4.64 + 4.67: 11 bars of ttrc); we count a change within 1e-12 relative as none.
#  - tema, nma, kama, linreg, ichimoku, tsi, autocorr, beta, zscore, volz: not TTR functions;
#    written here from TTR primitives (EMA, SMA, runMax/runMin, runCor, runCov, runVar, runSD) or
#    plain R (linreg with lm.fit per window, kama as its textbook recursion).
suppressMessages(library(TTR))
data(ttrc)
csv <- read.csv("tests/golden/ttrc_ohlcv.csv")
stopifnot(nrow(csv) == nrow(ttrc),
          all(csv$open == ttrc$Open), all(csv$high == ttrc$High), all(csv$low == ttrc$Low),
          all(csv$close == ttrc$Close), all(csv$volume == ttrc$Volume))
O <- ttrc$Open; H <- ttrc$High; L <- ttrc$Low; C <- ttrc$Close; V <- ttrc$Volume
HL <- cbind(H, L); HLC <- cbind(H, L, C); OHLC <- cbind(O, H, L, C)
N <- nrow(ttrc)
rows <- sort(unique(c(1:80, seq(1, N, by = 25), (N - 29):N)))

write_golden <- function(file, cols) {
  out <- data.frame(i = rows - 1)
  for (nm in names(cols)) {
    v <- as.numeric(cols[[nm]])
    stopifnot(length(v) == N)
    out[[nm]] <- ifelse(is.na(v[rows]), "", sprintf("%.17g", v[rows]))
  }
  write.csv(out, file, row.names = FALSE, quote = FALSE, na = "")
  # header cells contain commas: quote them (RFC 4180); the values never do
  hdr <- paste(c("i", paste0('"', names(cols), '"')), collapse = ",")
  lines <- readLines(file)
  lines[1] <- hdr
  writeLines(lines, file)
}

# ---- trend ----
kama <- function(x, n = 10, fast = 2, slow = 30) {
  out <- rep(NA_real_, length(x)); fs <- 2 / (fast + 1); ss <- 2 / (slow + 1); k <- x[n]
  for (t in (n + 1):length(x)) {
    vol <- sum(abs(diff(x[(t - n):t])))
    er <- if (vol > 0) abs(x[t] - x[t - n]) / vol else 0
    sc <- (er * (fs - ss) + ss)^2
    k <- k + sc * (x[t] - k); out[t] <- k
  }
  out
}
linreg <- function(x, n) {
  r <- matrix(NA_real_, length(x), 3); tt <- 0:(n - 1); X <- cbind(1, tt)
  for (t in n:length(x)) {
    b <- .lm.fit(X, x[(t - n + 1):t])$coefficients
    r[t, ] <- c(b[2], b[1], b[1] + b[2] * (n - 1))
  }
  r
}
e1 <- EMA(C, 20); e2 <- EMA(e1, 20); e3 <- EMA(e2, 20)
ar <- aroon(HL, 20)
lr <- linreg(C, 14)
mid <- function(h, l, n) (runMax(h, n) + runMin(l, n)) / 2
tk <- mid(H, L, 9); kj <- mid(H, L, 26)
write_golden("tests/golden/ttr_trend.csv", list(
  "sma(20)" = SMA(C, 20), "ema(20)" = EMA(C, 20), "ema(5)" = EMA(C, 5), "wma(20)" = WMA(C, 20),
  "dema(20)" = DEMA(C, 20), "tema(20)" = 3 * e1 - 3 * e2 + e3, "kama(10,2,30)" = kama(C),
  "hma(20)" = HMA(C, 20), "hma(9)" = HMA(C, 9), "zlema(20)" = ZLEMA(C, 20), "zlema(9)" = ZLEMA(C, 9),
  "vwma(10)" = VWMA(C, V, 10), "vwap(10)" = VWAP(rowMeans(HLC), V, 10), "nma(20)" = C / SMA(C, 20) - 1,
  "linreg(14).slope" = lr[, 1], "linreg(14).intercept" = lr[, 2], "linreg(14).value" = lr[, 3],
  "aroon(20).up" = ar[, "aroonUp"], "aroon(20).down" = ar[, "aroonDn"], "aroon(20).osc" = ar[, "oscillator"],
  "sar(0.02,0.2)" = .Call("sar", H, L, c(0.02, 0.2), H[1] - L[1], PACKAGE = "TTR"),
  "ichimoku(9,26,52).tenkan" = tk, "ichimoku(9,26,52).kijun" = kj,
  "ichimoku(9,26,52).span_a" = (tk + kj) / 2, "ichimoku(9,26,52).span_b" = mid(H, L, 52)))

# ---- momentum ----
m <- MACD(C, 12, 26, 9, percent = FALSE); p <- MACD(C, 12, 26, 9, percent = TRUE)
st <- stoch(HLC, 14, 3, 3); ad <- ADX(HLC, 14)
tx <- TRIX(C, 20, 9); txs <- EMA(tx[, "TRIX"], 9)
mo <- momentum(C, 1)
tsi <- 100 * EMA(EMA(mo, 25), 13) / EMA(EMA(abs(mo), 25), 13)
write_golden("tests/golden/ttr_momentum.csv", list(
  "rsi(14)" = RSI(C, 14), "rsi(2)" = RSI(C, 2),
  "macd(12,26,9).macd" = m[, "macd"], "macd(12,26,9).signal" = m[, "signal"],
  "macd(12,26,9).hist" = m[, "macd"] - m[, "signal"],
  "ppo(12,26,9).ppo" = p[, "macd"], "ppo(12,26,9).signal" = p[, "signal"],
  "ppo(12,26,9).hist" = p[, "macd"] - p[, "signal"],
  "stoch(14,3,3).fast_k" = st[, "fastK"], "stoch(14,3,3).fast_d" = st[, "fastD"],
  "stoch(14,3,3).slow_d" = st[, "slowD"], "willr(14)" = WPR(HLC, 14), "cci(20,0.015)" = CCI(HLC, 20),
  "roc(1)" = ROC(C, 1, type = "discrete"), "roc(10)" = ROC(C, 10, type = "discrete"),
  "mom(1)" = momentum(C, 1), "mom(10)" = momentum(C, 10), "tsi(25,13)" = tsi,
  "adx(14).plus_di" = ad[, "DIp"], "adx(14).minus_di" = ad[, "DIn"], "adx(14).dx" = ad[, "DX"],
  "adx(14).adx" = ad[, "ADX"], "ultosc(7,14,28)" = ultimateOscillator(HLC),
  "trix(20,9).trix" = tx[, "TRIX"], "trix(20,9).signal" = txs, "cmo(14)" = CMO(C, 14)))

# ---- volatility ----
a <- ATR(HLC, 14); bb <- BBands(C, 20, sd = 2); kc <- keltnerChannels(HLC, 20, atr = 2)
dc <- DonchianChannel(HL, 10)
write_golden("tests/golden/ttr_volatility.csv", list(
  "tr" = a[, "tr"], "atr(14)" = a[, "atr"], "natr(14)" = 100 * a[, "atr"] / C,
  "bbands(20,2).lower" = bb[, "dn"], "bbands(20,2).middle" = bb[, "mavg"], "bbands(20,2).upper" = bb[, "up"],
  "bbands(20,2).pctb" = bb[, "pctB"], "bbands(20,2).bandwidth" = (bb[, "up"] - bb[, "dn"]) / bb[, "mavg"],
  "keltner(20,2).lower" = kc[, "dn"], "keltner(20,2).middle" = kc[, "mavg"], "keltner(20,2).upper" = kc[, "up"],
  "donchian(10).upper" = dc[, "high"], "donchian(10).middle" = dc[, "mid"], "donchian(10).lower" = dc[, "low"],
  "stdev(20)" = runSD(C, 20),
  "vol_cc(10,252)" = volatility(OHLC, 10, "close", N = 252),
  "vol_parkinson(10,252)" = volatility(OHLC, 10, "parkinson", N = 252),
  "vol_gk(10,252)" = volatility(OHLC, 10, "garman.klass", N = 252),
  "vol_rs(10,252)" = volatility(OHLC, 10, "rogers.satchell", N = 252),
  "vol_yz(10,252)" = volatility(OHLC, 10, "yang.zhang", N = 252),
  "vol_yz(20,260)" = volatility(OHLC, 20, "yang.zhang", N = 260),
  "chaikin_vol(10)" = chaikinVolatility(HL, 10)))

# ---- volume ----
em <- EMV(HL, V, 9)
write_golden("tests/golden/ttr_volume.csv", list(
  "obv" = OBV(C, V), "ad" = chaikinAD(HLC, V), "clv" = CLV(HLC), "cmf(20)" = CMF(HLC, V, 20),
  "mfi(14)" = MFI(round(rowSums(HLC) * 1e6) / 3e6, V, 14), "volz(20)" = (V - runMean(V, 20)) / runSD(V, 20),
  "emv(9,10000).emv" = em[, "emv"], "emv(9,10000).ma" = em[, "maEMV"]))

# ---- statistics and returns (the "other" series of corr/beta/cov is the volume) ----
write_golden("tests/golden/ttr_stats.csv", list(
  "mean(20)" = runMean(C, 20), "var(20)" = runVar(C, n = 20), "zscore(20)" = (C - runMean(C, 20)) / runSD(C, 20),
  "min(20)" = runMin(C, 20), "max(20)" = runMax(C, 20), "rank(20)" = runPercentRank(C, 20),
  "corr(20)" = runCor(C, V, 20), "beta(20)" = runCov(C, V, 20) / runVar(V, n = 20), "cov(20)" = runCov(C, V, 20),
  "autocorr(20,1)" = runCor(C, c(NA, C[-N]), 20), "autocorr(30,5)" = runCor(C, c(rep(NA, 5), C[1:(N - 5)]), 30),
  "vhf(28)" = VHF(C, 28), "ret(1)" = ROC(C, 1, type = "discrete"), "ret(5)" = ROC(C, 5, type = "discrete"),
  "logret(1)" = ROC(C, 1), "logret(20)" = ROC(C, 20)))
