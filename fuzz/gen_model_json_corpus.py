#!/usr/bin/python3
# gen_model_json_corpus.py: seeds of fuzz/corpus/model_json (three small XGBoost JSON models).
# Run: /usr/bin/python3 fuzz/gen_model_json_corpus.py fuzz/corpus/model_json
import xgboost as xgb, numpy as np, sys
rng=np.random.default_rng(1)
X=rng.normal(size=(200,3)); X[rng.uniform(size=X.shape)<0.1]=np.nan
y=(X[:,0]>0).astype(float)
for name,params,yy in [("binary",{"objective":"binary:logistic","max_depth":2},y),("reg",{"objective":"reg:squarederror","max_depth":3,"grow_policy":"lossguide","max_leaves":4,"tree_method":"hist"},X[:,1]),("multi",{"objective":"multi:softprob","num_class":3,"max_depth":2},(np.nan_to_num(X[:,0])>0)+(np.nan_to_num(X[:,1])>0))]:
    b=xgb.train(params, xgb.DMatrix(yy if False else X, label=np.nan_to_num(yy)), num_boost_round=3)
    b.save_model(sys.argv[1]+"/"+name+".json")
