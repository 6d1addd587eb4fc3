# gen_portfolio.R: golden weights for tests/test_portfolio.c on real returns: fPortfolio's bundled
# LPP2005.RET (Swiss pension fund benchmark, 377 daily returns; the six asset columns) and
# SMALLCAP.RET (60 monthly returns; the first 20 stocks). Solvers independent of ours: quadprog
# (Goldfarb-Idnani dual QP) for the mean-variance cases, Rglpk for the min-CVaR LP. fPortfolio's own
# tangency and CVaR portfolios are printed for a cross-check.
# Regenerate with Debian's r-cran-quadprog and r-cran-fportfolio (which brings r-cran-rglpk):
#   cd tests/golden && Rscript gen_portfolio.R
# Writes lpp2005_returns.csv, smallcap_returns.csv and portfolio_golden.csv (case,key,value).
suppressMessages({ library(fPortfolio); library(quadprog); library(Rglpk) })

write_returns <- function(x, file) {
  df <- data.frame(date = format(as.Date(rownames(x))), apply(x, 2, sprintf, fmt = "%.17g"), check.names = FALSE)
  write.csv(df, file, row.names = FALSE, quote = FALSE)
}
lpp <- as.matrix(LPP2005.RET[, 1:6]); rownames(lpp) <- as.character(time(LPP2005.RET))
sc <- as.matrix(SMALLCAP.RET[, 1:20]); rownames(sc) <- as.character(time(SMALLCAP.RET))
write_returns(lpp, "lpp2005_returns.csv")
write_returns(sc, "smallcap_returns.csv")
# read back what the C test reads, so both use identical doubles
lpp <- as.matrix(read.csv("lpp2005_returns.csv")[, -1])
sc <- as.matrix(read.csv("smallcap_returns.csv")[, -1])

out <- data.frame(case = character(), key = character(), value = numeric())
put <- function(case, w, X, extra = list()) {
  S <- cov(X); mu <- colMeans(X)
  rows <- data.frame(case = case, key = colnames(X), value = w)
  ex <- c(list(ret = sum(w * mu), vol = sqrt(drop(t(w) %*% S %*% w))), extra)
  rows <- rbind(rows, data.frame(case = case, key = names(ex), value = unlist(ex)))
  out <<- rbind(out, rows)
}

# min 1/2 w'Sw subject to equalities (first meq rows) and inequalities A'w >= b, via quadprog
qp <- function(S, Amat, bvec, meq, dvec = rep(0, ncol(S))) {
  solve.QP(Dmat = S, dvec = dvec, Amat = Amat, bvec = bvec, meq = meq)$solution
}
box <- function(n, lo, hi) list(A = cbind(diag(n), -diag(n)), b = c(rep(lo, n), rep(-hi, n)))

minvar <- function(X, lo = -Inf, hi = Inf, G = NULL, gb = NULL, target = NULL) {
  S <- cov(X); n <- ncol(X)
  A <- matrix(1, n, 1); b <- 1; meq <- 1
  if (!is.null(target)) { A <- cbind(A, colMeans(X)); b <- c(b, target) }
  if (is.finite(lo)) { A <- cbind(A, diag(n)); b <- c(b, rep(lo, n)) }
  if (is.finite(hi)) { A <- cbind(A, -diag(n)); b <- c(b, rep(-hi, n)) }
  if (!is.null(G)) { A <- cbind(A, G); b <- c(b, gb) }
  qp(S, A, b, meq)
}

maxsharpe <- function(X, rf = 0, lo = 0, hi = Inf) {
  S <- cov(X); n <- ncol(X); ex <- colMeans(X) - rf
  A <- matrix(ex, n, 1); b <- 1                    # (mu - rf)'y = 1
  A <- cbind(A, diag(n)); b <- c(b, rep(0, n))     # y >= 0 (lo = 0)
  if (is.finite(hi)) for (i in 1:n) { a <- rep(hi, n); a[i] <- a[i] - 1; A <- cbind(A, a); b <- c(b, 0) }
  y <- qp(S, A, b, 1)
  y / sum(y)
}

mu_l <- colMeans(lpp); n_l <- ncol(lpp)
w <- minvar(lpp, 0, 1); put("lpp_minvar_long", w, lpp)
rmin <- sum(w * mu_l)
put("lpp_minvar_short", minvar(lpp), lpp)
put("lpp_minvar_box", minvar(lpp, 0.05, 0.4), lpp)
# groups: bonds (SBI, LMI) at most 60%, equities (SPI, MPI) at least 20%
G <- cbind(-c(1, 0, 0, 1, 0, 0), c(0, 1, 0, 0, 1, 0))
put("lpp_minvar_groups", minvar(lpp, 0, 1, G, c(-0.6, 0.2)), lpp)
tgt <- rmin + 0.5 * (max(mu_l) - rmin)
put("lpp_target_long", minvar(lpp, 0, 1, target = tgt), lpp, list(target = tgt))
put("lpp_maxsharpe_long", maxsharpe(lpp), lpp)
rf <- 0.0001
put("lpp_maxsharpe_rf_capped", maxsharpe(lpp, rf, 0, 0.3), lpp, list(rf = rf))
for (k in 0:4) {
  r <- rmin + (max(mu_l) - rmin) * k / 4
  # the last point is the max-return asset alone (quadprog cannot meet mu'w >= max(mu) exactly)
  w <- if (k == 4) as.numeric(mu_l == max(mu_l)) else minvar(lpp, 0, 1, target = if (k == 0) NULL else r)
  put(sprintf("lpp_frontier_%d", k), w, lpp)
}
# turnover: from equal weights, sum |w - 1/6| <= 0.3; variables (w, p, m), w - p + m = w0
w0 <- rep(1 / n_l, n_l); S <- cov(lpp); Z <- matrix(0, n_l, n_l)
D <- rbind(cbind(S, Z, Z), cbind(Z, diag(1e-10 * max(diag(S)), n_l), Z), cbind(Z, Z, diag(1e-10 * max(diag(S)), n_l)))
A <- cbind(c(rep(1, n_l), rep(0, 2 * n_l)), rbind(diag(n_l), -diag(n_l), diag(n_l)), diag(3 * n_l),
           c(rep(0, n_l), rep(-1, 2 * n_l)))
b <- c(1, w0, rep(0, 3 * n_l), -0.3)
put("lpp_minvar_turnover", qp(D, A, b, 1 + n_l)[1:n_l], lpp, list(turnover = 0.3))

# min CVaR at 95% (Rockafellar-Uryasev) with Rglpk: variables w, z, u
cvar_lp <- function(X, alpha, target = NULL) {
  Tn <- nrow(X); n <- ncol(X)
  obj <- c(rep(0, n), 1, rep(1 / ((1 - alpha) * Tn), Tn))
  M <- rbind(cbind(X, 1, diag(Tn)), c(rep(1, n), 0, rep(0, Tn)))
  dir <- c(rep(">=", Tn), "=="); rhs <- c(rep(0, Tn), 1)
  if (!is.null(target)) { M <- rbind(M, c(colMeans(X), 0, rep(0, Tn))); dir <- c(dir, ">="); rhs <- c(rhs, target) }
  bounds <- list(lower = list(ind = n + 1L, val = -Inf))
  s <- Rglpk_solve_LP(obj, M, dir, rhs, bounds = bounds, max = FALSE)
  list(w = s$solution[1:n], cvar = s$optimum, var = s$solution[n + 1])
}
cv <- cvar_lp(lpp, 0.95); put("lpp_cvar95_long", cv$w, lpp, list(cvar = cv$cvar))
cv <- cvar_lp(lpp, 0.95, tgt); put("lpp_cvar95_target", cv$w, lpp, list(cvar = cv$cvar, target = tgt))

w <- minvar(sc, 0, 1); put("sc_minvar_long", w, sc)
put("sc_maxsharpe_long", maxsharpe(sc), sc)

out$value <- sprintf("%.17g", out$value)
write.csv(out, "portfolio_golden.csv", row.names = FALSE, quote = FALSE)

# cross-checks against fPortfolio's own portfolios (printed, not written)
spec <- portfolioSpec(); setRiskFreeRate(spec) <- 0
tp <- getWeights(tangencyPortfolio(as.timeSeries(LPP2005.RET[, 1:6]), spec, "LongOnly"))
cat("fPortfolio tangency vs quadprog:", max(abs(tp - maxsharpe(lpp))), "\n")
mv <- getWeights(minvariancePortfolio(as.timeSeries(LPP2005.RET[, 1:6]), spec, "LongOnly"))
cat("fPortfolio minvariance vs quadprog:", max(abs(mv - minvar(lpp, 0, 1))), "\n")
cspec <- portfolioSpec(); setType(cspec) <- "CVaR"; setAlpha(cspec) <- 0.05; setSolver(cspec) <- "solveRglpk.CVAR"
cw <- getWeights(minriskPortfolio(as.timeSeries(LPP2005.RET[, 1:6]), cspec, "LongOnly"))
cat("fPortfolio min CVaR vs Rglpk LP:", max(abs(cw - cvar_lp(lpp, 0.95)$w)), "\n")
