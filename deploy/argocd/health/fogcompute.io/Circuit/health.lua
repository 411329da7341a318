-- Argo CD health of a Circuit (resource.customizations.health.fogcompute.io_Circuit).
-- Healthy while its path is established (phase Established, Ready=True). Progressing before the
-- first draw, or while no mixnet directory is published yet (NoDirectory). Degraded when a hop
-- became unavailable (HopUnavailable: it is redrawn from the next epoch's directory), when too
-- few eligible mixnodes exist to draw a path (NoEligibleNode), or when the spec was refused.
local hs = {}

local ready = nil
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" then
      ready = c
    end
  end
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to draw a path"
  return hs
end

local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

hs.message = ready.message
if ready.status == "True" and obj.status.phase == "Established" then
  hs.status = "Healthy"
elseif ready.reason == "NoDirectory" then
  hs.status = "Progressing"
elseif ready.status == "True" then
  hs.status = "Progressing"
  hs.message = "Phase " .. (obj.status.phase or "unset") .. ": " .. ready.message
else
  hs.status = "Degraded"
end
return hs
